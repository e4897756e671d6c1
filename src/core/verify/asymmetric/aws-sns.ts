import { ValidationError } from '../../errors.js';
import type { ProviderSpec } from '../provider-spec.js';
import { loadProviderCertificate } from './provider-certificate.js';
import { checkSignedTime, failure, jsonObjectOf, verifyQuietly } from './request-parts.js';
import { checkKnownFields, checkTolerance } from '../setting-fields.js';
import { rejectSecrets } from './setting-fields.js';

/**
 * The fields signed, in this order, each as `Name\nValue\n` (a field absent from the message is
 * left out): https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html
 */
const SIGNED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

const DIGEST_BY_VERSION: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/** The string SNS signed for a message, or undefined when its Type is not one SNS sends. */
export function snsStringToSign(message: Record<string, unknown>): string | undefined {
  const fields = SIGNED_FIELDS[String(message.Type)];
  if (!fields) return undefined;
  let text = '';
  for (const name of fields) {
    const value = message[name];
    if (typeof value === 'string') text += `${name}\n${value}\n`;
  }
  return text;
}

/**
 * Amazon SNS HTTP(S) deliveries: the message is the JSON body; `Signature` (base64) is RSA over
 * the string to sign (see `snsStringToSign`), SHA1 for `SignatureVersion` 1, SHA256 for 2, with
 * the certificate at `SigningCertURL` (https on `sns.<region>.amazonaws.com`, fetched by
 * `context.fetchCertificate`). Setting: `{type: 'aws-sns', topicArns?: [...]}` (the topics
 * accepted; default any). `toleranceSeconds`, if set, bounds `Timestamp` both ways; by default it
 * is not checked, since SNS retries a message with its first signature for up to hours under a
 * delivery policy (replays are caught by deduplicating on deliveryId, the `MessageId`).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const awsSnsProvider: ProviderSpec = {
  parse(setting) {
    rejectSecrets(setting, 'SNS signs with its certificate; give topicArns to limit the topics');
    // `secrets` is refused above with what to give instead.
    checkKnownFields(setting, ['secrets', 'topicArns', 'toleranceSeconds']);
    const arns = setting.topicArns;
    if (
      arns !== undefined &&
      (!Array.isArray(arns) ||
        arns.length === 0 ||
        arns.some((a) => typeof a !== 'string' || !/^arn:aws[a-z-]*:sns:/.test(a)))
    ) {
      throw new ValidationError('topicArns must be a non-empty list of SNS topic ARNs (arn:aws:sns:…)', 'topicArns');
    }
    checkTolerance(setting);
    return setting;
  },

  async verify(request, setting, context) {
    const message = jsonObjectOf(request.body);
    if (!message || typeof message.Signature !== 'string' || message.Signature === '') {
      return failure('signature_missing', 'the body is not an SNS message with a Signature');
    }
    const digest = DIGEST_BY_VERSION[String(message.SignatureVersion)];
    if (!digest)
      return failure('signature_invalid', `SignatureVersion ${String(message.SignatureVersion)} is not 1 or 2`);
    const stringToSign = snsStringToSign(message);
    if (stringToSign === undefined)
      return failure('signature_invalid', `Type ${String(message.Type)} is not an SNS message type`);
    if (typeof message.SigningCertURL !== 'string')
      return failure('signature_missing', 'the message has no SigningCertURL');
    const arns = setting.topicArns as string[] | undefined;
    if (arns && !arns.includes(String(message.TopicArn))) {
      return failure('signature_invalid', `TopicArn ${String(message.TopicArn)} is not one of topicArns`);
    }
    if (setting.toleranceSeconds !== undefined) {
      const late = checkSignedTime(
        Date.parse(String(message.Timestamp)),
        context.now,
        setting.toleranceSeconds,
        'Timestamp',
      );
      if (late) return late;
    }

    const certificate = await loadProviderCertificate(message.SigningCertURL, 'aws-sns', context);
    if (!certificate.ok) return certificate.result;
    const signature = Buffer.from(message.Signature, 'base64');
    if (!verifyQuietly(digest, Buffer.from(stringToSign, 'utf8'), certificate.key, signature)) {
      return failure(
        'signature_invalid',
        'Signature does not match the message under the certificate at SigningCertURL',
      );
    }
    return { ok: true, deliveryId: typeof message.MessageId === 'string' ? message.MessageId : undefined };
  },
};
