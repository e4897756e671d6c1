import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { decodeSignature, equalBytes, type SignatureEncoding } from './constant-time.js';
import type { ProviderSpec } from './provider-spec.js';
import { headerValue, jsonBody, jsonField } from './request-parts.js';
import { checkKnownFields, checkTolerance, requireSecrets } from './setting-fields.js';
import { checkTimestampWindow, parseTimestamp, type TimestampFormat } from './timestamp-window.js';
import type { VerifiableRequest, Verification, VerifyContext, VerifyResult } from './types.js';
import { noMatchDetail, signatureInvalid, signatureMissing, verified } from './verify-results.js';

/**
 * One generic HMAC engine, run on data: most providers sign `HMAC(secret, some template over the
 * timestamp, the URL and the raw body)` and put the result, encoded and maybe prefixed, in a
 * header. A provider that fits is a `HmacScheme` value in providers.ts, not code.
 */

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';

/** How the signature header is laid out. */
export type SignatureLayout =
  /** One signature, maybe after a fixed prefix: `sha256=<hex>` (GitHub), `<base64>` (Shopify). */
  | { kind: 'single'; prefix?: string }
  /** Several entries split by `separator`, the signatures being those with `prefix`: `v1=a,v1=b`. */
  | { kind: 'list'; separator: string; prefix: string }
  /**
   * `key=value` pairs split by `separator`: the signatures under `signatureKey` (may repeat), the
   * timestamp under `timestampKey` (Stripe `t=..,v1=..`, Paddle `ts=..;h1=..`).
   */
  | { kind: 'pairs'; separator: string; signatureKey: string; timestampKey?: string };

/** Where the signed timestamp is and how it is written. */
export interface TimestampSource {
  /** A header (`X-Slack-Request-Timestamp`); absent means the layout's `timestampKey` or `bodyField`. */
  header?: string;
  /** A field of the JSON body (Linear's `webhookTimestamp`). */
  bodyField?: string;
  format: TimestampFormat;
  /** Used when the setting gives no `toleranceSeconds`. */
  defaultToleranceSeconds: number;
}

export interface HmacScheme {
  /** The header(s) carrying the signature; the first present is read. */
  signatureHeader: string | readonly string[];
  layout: SignatureLayout;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /**
   * The signed bytes: a template over `{body}` (the raw bytes, never re-encoded), `{timestamp}`
   * (as sent), `{method}`, `{url}`; the rest is literal. `{timestamp}.{body}` for Stripe.
   */
  signedContent: string;
  timestamp?: TimestampSource;
  /** Headers giving the provider's delivery id, first present wins. */
  deliveryIdHeaders?: readonly string[];
  /** Or a field of the JSON body (Stripe's event `id`), dotted path. */
  deliveryIdBodyField?: string;
  /**
   * The URLs to try for `{url}` (default: the request's). Square signs its configured
   * notification URL; HubSpot decodes a few characters of it.
   */
  signedUrls?: (request: VerifiableRequest, setting: Verification) => string[];
  /** Type-specific setting fields beyond secrets and toleranceSeconds. */
  extraFields?: readonly string[];
  /** Checks those fields (after the shared checks). */
  parseExtra?: (setting: Verification) => void;
}

/** The ProviderSpec running `scheme` through the generic engine. */
export function hmacProvider(scheme: HmacScheme): ProviderSpec {
  const allowed = ['secrets', ...(scheme.timestamp ? ['toleranceSeconds'] : []), ...(scheme.extraFields ?? [])];
  return {
    parse(setting) {
      checkKnownFields(setting, allowed);
      requireSecrets(setting);
      checkTolerance(setting);
      scheme.parseExtra?.(setting);
      return setting;
    },
    verify: (request, setting, context) => verifyHmacScheme(scheme, request, setting, context),
    sign: (request, secret, nowMs) => signHmacScheme(scheme, request, secret, nowMs),
  };
}

function headerLabel(names: string | readonly string[]): string {
  return typeof names === 'string' ? names : names.join(' / ');
}

/** Verifies one request against a scheme; never throws for anything in the request. */
export function verifyHmacScheme(
  scheme: HmacScheme,
  request: VerifiableRequest,
  setting: Verification,
  context: VerifyContext,
): VerifyResult {
  const where = headerLabel(scheme.signatureHeader);
  const raw = headerValue(request, scheme.signatureHeader);
  if (raw === undefined || raw.trim() === '') return signatureMissing(`no ${where} header`);
  const parsed = parseLayout(scheme.layout, raw);
  if (typeof parsed === 'string') return signatureInvalid(`the ${where} header is malformed: ${parsed}`);

  const wantsDeliveryId = context.skipDeliveryId !== true;
  const body = needsJson(scheme, wantsDeliveryId) ? jsonBody(request) : undefined;
  let timestamp: { text: string; ms: number; label: string } | undefined;
  if (scheme.timestamp) {
    const source = scheme.timestamp;
    const label = source.header ?? (source.bodyField ? `the body's ${source.bodyField}` : `the ${where} timestamp`);
    const value = source.header
      ? headerValue(request, source.header)
      : source.bodyField
        ? jsonField(body, source.bodyField)
        : parsed.timestamp;
    if (value === undefined || value === '') return signatureMissing(`no timestamp (${label})`);
    const ms = parseTimestamp(value, source.format);
    if (ms === undefined) return signatureInvalid(`${label} is not a timestamp (${source.format})`);
    timestamp = { text: String(value), ms, label };
  }
  const signatures = decodeAll(parsed.signatures, scheme.encoding);
  if (signatures.length === 0) return signatureInvalid(`the ${where} header holds no ${scheme.encoding} signature`);
  if (!matchesAny(scheme, request, setting, signatures, timestamp?.text)) {
    return signatureInvalid(noMatchDetail(where, setting.secrets?.length ?? 0));
  }
  if (scheme.timestamp && timestamp) {
    // Checked after the signature, so that "out of window" says: authentic, but stale (a replay
    // or a clock off), and a forgery is reported as one.
    const tolerance = setting.toleranceSeconds ?? scheme.timestamp.defaultToleranceSeconds;
    const window = checkTimestampWindow(timestamp.ms, context.now, tolerance, `the timestamp (${timestamp.label})`);
    if (window) return window;
  }
  return verified(wantsDeliveryId ? deliveryIdOf(scheme, request, body) : undefined);
}

/**
 * The headers that sign `request` per `scheme` (the verifier in reverse): the signature header
 * laid out as the provider does, plus a timestamp header when the scheme signs one. A timestamp
 * in a body field (Linear) is read from the body, which must hold it.
 */
export function signHmacScheme(
  scheme: HmacScheme,
  request: VerifiableRequest,
  secret: string,
  nowMs: number,
): [string, string][] {
  const headers: [string, string][] = [];
  let timestamp: string | undefined;
  const source = scheme.timestamp;
  if (source?.bodyField) {
    const value = jsonField(jsonBody(request), source.bodyField);
    timestamp = value === undefined ? undefined : String(value);
  } else if (source) {
    timestamp = formatTimestamp(nowMs, source.format);
    if (source.header) headers.push([source.header, timestamp]);
  }
  const signature = hmacOfSignedContent(scheme.algorithm, secret, scheme.signedContent, {
    request,
    timestamp,
    url: request.url,
  }).toString(scheme.encoding);
  const name = typeof scheme.signatureHeader === 'string' ? scheme.signatureHeader : scheme.signatureHeader[0];
  headers.push([
    name,
    layOut(scheme.layout, signature, source && !source.header && !source.bodyField ? timestamp : undefined),
  ]);
  return headers;
}

function formatTimestamp(nowMs: number, format: TimestampFormat): string {
  if (format === 'ms') return String(nowMs);
  if (format === 's') return String(Math.floor(nowMs / 1000));
  return new Date(nowMs).toISOString();
}

/** A signature header's value: the inverse of parseLayout. */
function layOut(layout: SignatureLayout, signature: string, timestamp: string | undefined): string {
  if (layout.kind === 'single') return `${layout.prefix ?? ''}${signature}`;
  if (layout.kind === 'list') return `${layout.prefix}${signature}`;
  const stamp =
    layout.timestampKey && timestamp !== undefined ? `${layout.timestampKey}=${timestamp}${layout.separator}` : '';
  return `${stamp}${layout.signatureKey}=${signature}`;
}

/** Whether the body must be parsed: for a timestamp in it, or for a delivery id in it that the caller wants. */
function needsJson(scheme: HmacScheme, wantsDeliveryId: boolean): boolean {
  return scheme.timestamp?.bodyField !== undefined || (wantsDeliveryId && scheme.deliveryIdBodyField !== undefined);
}

function decodeAll(signatures: readonly string[], encoding: SignatureEncoding): Uint8Array[] {
  return signatures.map((s) => decodeSignature(s, encoding)).filter((s): s is Uint8Array => s !== undefined);
}

function matchesAny(
  scheme: HmacScheme,
  request: VerifiableRequest,
  setting: Verification,
  signatures: readonly Uint8Array[],
  timestamp: string | undefined,
): boolean {
  const urls = scheme.signedContent.includes('{url}')
    ? (scheme.signedUrls?.(request, setting) ?? [request.url])
    : [request.url];
  for (const url of urls) {
    for (const secret of setting.secrets ?? []) {
      const expected = hmacOfSignedContent(scheme.algorithm, secret, scheme.signedContent, { request, timestamp, url });
      // No early exit on a match inside the loops would hide nothing: which secret matched is
      // not secret, only the expected bytes are, and those are compared in constant time.
      if (signatures.some((signature) => equalBytes(signature, expected))) return true;
    }
  }
  return false;
}

const PLACEHOLDER = /\{(body|timestamp|method|url)\}/g;

/** A signed-content template split once: literal text, and the placeholders between it. */
type TemplatePart = { text: string } | { value: 'body' | 'timestamp' | 'method' | 'url' };

/** Split templates, by template: the providers' few, and each generic `hmac` source's own. */
const templates = new LRUCache<string, TemplatePart[]>({ max: 1_000 });

function templateParts(template: string): TemplatePart[] {
  let parts = templates.get(template);
  if (parts === undefined) {
    parts = [];
    let last = 0;
    for (const match of template.matchAll(PLACEHOLDER)) {
      if (match.index > last) parts.push({ text: template.slice(last, match.index) });
      parts.push({ value: match[1] as 'body' | 'timestamp' | 'method' | 'url' });
      last = match.index + match[0].length;
    }
    if (last < template.length) parts.push({ text: template.slice(last) });
    templates.set(template, parts);
  }
  return parts;
}

/**
 * Each secret as a KeyObject, made once: `createHmac` with a string key imports it on every call.
 * With the template's parts fed one by one (no copy of the body), a Stripe check measured ~20 →
 * ~15 µs of CPU, ~10 µs when the caller skips the delivery id (no JSON parse of the body).
 * Secrets are few (a source's one or two); the cache is bounded all the same.
 */
const hmacKeys = new LRUCache<string, KeyObject>({ max: 10_000 });

function hmacKeyOf(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    hmacKeys.set(secret, key);
  }
  return key;
}

/**
 * The HMAC, keyed by `secret` (its UTF-8 bytes), of the bytes a template stands for: `{body}` as
 * the raw bytes (never re-encoded), the other placeholders and the literal text as UTF-8. The parts
 * go into the HMAC one by one, so the body is never copied.
 */
export function hmacOfSignedContent(
  algorithm: HmacAlgorithm,
  secret: string,
  template: string,
  values: { request: VerifiableRequest; timestamp: string | undefined; url: string },
): Buffer {
  const hmac = createHmac(algorithm, hmacKeyOf(secret));
  for (const part of templateParts(template)) {
    if ('text' in part) hmac.update(part.text, 'utf8');
    else if (part.value === 'body') hmac.update(values.request.body);
    else if (part.value === 'timestamp') hmac.update(values.timestamp ?? '', 'utf8');
    else if (part.value === 'method') hmac.update(values.request.method, 'utf8');
    else hmac.update(values.url, 'utf8');
  }
  return hmac.digest();
}

/** The signatures (still encoded) and timestamp of a header, or why it cannot be read. */
function parseLayout(layout: SignatureLayout, raw: string): { signatures: string[]; timestamp?: string } | string {
  if (layout.kind === 'single') {
    const value = raw.trim();
    if (layout.prefix && !value.startsWith(layout.prefix)) return `it does not start with ${layout.prefix}`;
    return { signatures: [value.slice(layout.prefix?.length ?? 0)] };
  }
  const entries = raw
    .split(layout.separator)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (layout.kind === 'list') {
    const signatures = entries.filter((e) => e.startsWith(layout.prefix)).map((e) => e.slice(layout.prefix.length));
    return signatures.length > 0 ? { signatures } : `no entry starts with ${layout.prefix}`;
  }
  const signatures: string[] = [];
  let timestamp: string | undefined;
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) continue;
    const key = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (key === layout.signatureKey) signatures.push(value);
    else if (key === layout.timestampKey && timestamp === undefined) timestamp = value;
  }
  if (signatures.length === 0) return `no ${layout.signatureKey}= signature`;
  return { signatures, timestamp };
}

function deliveryIdOf(scheme: HmacScheme, request: VerifiableRequest, body: unknown): string | undefined {
  if (scheme.deliveryIdHeaders) {
    const id = headerValue(request, scheme.deliveryIdHeaders);
    if (id) return id;
  }
  if (scheme.deliveryIdBodyField) {
    const id = jsonField(body, scheme.deliveryIdBodyField);
    if (typeof id === 'string' && id !== '') return id;
    if (typeof id === 'number') return String(id);
  }
  return undefined;
}
