import type { Static } from 'typebox';
import { ValidationError } from '../core/errors.js';
import type { DedupSetting, Source, SourceResponse } from '../core/types.js';
import { checkHeaders, checkHeaderValue } from '../outbound/endpoint-headers.js';
import type { SourceInput } from '../store/store.js';
import type { SourceIn, SourcePatch } from './schemas.js';
import { DEFAULT_RESPONSE } from './ingest.js';
import { checkVerification } from './setting-checks.js';
import { checkUid, prefixField } from './uids.js';

type SourceFields = Static<typeof SourcePatch>;

/** POST body → the store's SourceInput: the verification parsed by its type, the response and dedup checked. */
export function toNewSource(body: Static<typeof SourceIn>): SourceInput {
  return {
    name: body.name,
    uid: checkUid(body.uid ?? null, 'src_'),
    verification: checkVerification(body.verification ?? { type: 'none' }),
    response: toResponse(body.response ?? null),
    dedup: toDedup(body.dedup ?? null),
    disabled: body.disabled ?? false,
  };
}

/** PATCH: the fields present replace the source's (each checked as on creation), the rest stay. */
export function toPatchedSource(existing: Source, body: SourceFields): SourceInput {
  return {
    name: body.name ?? existing.name,
    uid: body.uid === undefined ? existing.uid : checkUid(body.uid, 'src_'),
    verification: body.verification === undefined ? existing.verification : checkVerification(body.verification),
    response: body.response === undefined ? existing.response : toResponse(body.response),
    dedup: body.dedup === undefined ? existing.dedup : toDedup(body.dedup),
    disabled: body.disabled ?? existing.disabled,
  };
}

type ResponseIn = NonNullable<SourceFields['response']>;

/** The configured answer, defaults filled in; headers must be valid header names and values. */
function toResponse(response: ResponseIn | null): SourceResponse | null {
  if (response === null) return null;
  const headers = prefixField('response', () => checkHeaders(response.headers ?? {}));
  const contentType = response.contentType ?? DEFAULT_RESPONSE.contentType;
  // Sent as a header on every answer: a value that is not one (CR LF) would fail there, not here.
  checkHeaderValue('content-type', contentType, 'response.contentType');
  return {
    status: response.status,
    body: response.body ?? '',
    contentType,
    headers,
    delayMs: response.delayMs ?? 0,
    cors: response.cors ?? false,
  };
}

/** `header` needs `header`, `json-path` needs `path`; the fields of other kinds are dropped. */
function toDedup(dedup: DedupSetting | null): DedupSetting | null {
  if (dedup === null) return null;
  const { by, windowSeconds } = dedup;
  if (by === 'header') {
    if (!dedup.header) throw new ValidationError('dedup by header needs `header`', 'dedup.header');
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(dedup.header))
      throw new ValidationError(`${JSON.stringify(dedup.header)} is not a valid header name`, 'dedup.header');
    return { by, header: dedup.header, windowSeconds };
  }
  if (by === 'json-path') {
    if (!dedup.path) throw new ValidationError('dedup by json-path needs `path` (e.g. `data.id`)', 'dedup.path');
    return { by, path: dedup.path, windowSeconds };
  }
  return { by, windowSeconds };
}
