import { ValidationError } from '../../errors.js';
import { type HmacAlgorithm, type HmacScheme, verifyHmacScheme } from '../hmac-scheme.js';
import type { ProviderSpec } from '../provider-spec.js';
import {
  checkKnownFields,
  checkTolerance,
  optionalChoice,
  optionalHeaderName,
  optionalString,
  requireChoice,
  requireHeaderName,
  requireSecrets,
} from '../setting-fields.js';
import type { TimestampFormat } from '../timestamp-window.js';
import type { Verification } from '../types.js';

/**
 * `hmac`: any sender that signs with an HMAC, described by the setting itself:
 * `{header, algorithm: sha1|sha256|sha512, encoding: hex|base64, prefix?, signedContent?
 * (template over {body}, {timestamp}, {method}, {url}; default "{body}"), timestampHeader?,
 * timestampFormat? (s|ms|iso8601, default s), toleranceSeconds? (default 300), deliveryIdHeader?}`.
 */

const FIELDS = [
  'secrets',
  'header',
  'algorithm',
  'encoding',
  'prefix',
  'signedContent',
  'timestampHeader',
  'timestampFormat',
  'toleranceSeconds',
  'deliveryIdHeader',
] as const;
const DEFAULT_TOLERANCE_SECONDS = 300;

function fail(field: string, problem: string): never {
  throw new ValidationError(`verification.${field}: ${problem}`, `verification.${field}`);
}

function schemeOf(setting: Verification): HmacScheme {
  const timestampHeader = setting.timestampHeader as string | undefined;
  const deliveryIdHeader = setting.deliveryIdHeader as string | undefined;
  return {
    signatureHeader: setting.header as string,
    layout: { kind: 'single', prefix: (setting.prefix as string | undefined) ?? '' },
    algorithm: setting.algorithm as HmacAlgorithm,
    encoding: setting.encoding as 'hex' | 'base64',
    signedContent: (setting.signedContent as string | undefined) ?? '{body}',
    timestamp: timestampHeader
      ? {
          header: timestampHeader,
          format: (setting.timestampFormat as TimestampFormat | undefined) ?? 's',
          defaultToleranceSeconds: DEFAULT_TOLERANCE_SECONDS,
        }
      : undefined,
    deliveryIdHeaders: deliveryIdHeader ? [deliveryIdHeader] : undefined,
  };
}

export const genericHmac: ProviderSpec = {
  parse(setting) {
    checkKnownFields(setting, FIELDS);
    requireSecrets(setting);
    requireHeaderName(setting, 'header');
    requireChoice(setting, 'algorithm', ['sha1', 'sha256', 'sha512']);
    requireChoice(setting, 'encoding', ['hex', 'base64']);
    if (setting.prefix !== undefined && typeof setting.prefix !== 'string') fail('prefix', 'must be a string');
    const template = optionalString(setting, 'signedContent');
    const timestampHeader = optionalHeaderName(setting, 'timestampHeader');
    optionalChoice(setting, 'timestampFormat', ['s', 'ms', 'iso8601']);
    optionalHeaderName(setting, 'deliveryIdHeader');
    checkTolerance(setting);
    if (template !== undefined && !template.includes('{body}')) {
      fail('signedContent', 'must include {body} (a signature that does not cover the body proves little)');
    }
    if (template?.includes('{timestamp}') && !timestampHeader) {
      fail('timestampHeader', 'is needed when signedContent uses {timestamp}');
    }
    if (setting.toleranceSeconds !== undefined && !timestampHeader) {
      fail('toleranceSeconds', 'applies only with a timestampHeader');
    }
    return setting;
  },
  verify: (request, setting, context) => verifyHmacScheme(schemeOf(setting), request, setting, context),
};
