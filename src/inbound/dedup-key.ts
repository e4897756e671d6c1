import { createHash } from 'node:crypto';
import type { DedupSetting, HeaderList } from '../core/types.js';

/**
 * The key by which a source recognizes a request it has seen (see `DedupSetting`), or `null` when
 * the request has none (no such header, no such JSON field, a provider that gives no delivery id):
 * such a request is never a duplicate. Keys are prefixed by kind, so a header value never equals
 * a body hash.
 */
export function dedupKeyOf(
  setting: DedupSetting,
  request: { headers: HeaderList; body: Buffer },
  deliveryId: string | undefined,
): string | null {
  switch (setting.by) {
    case 'delivery-id':
      return deliveryId === undefined ? null : `id:${deliveryId}`;
    case 'header': {
      const name = (setting.header ?? '').toLowerCase();
      const found = request.headers.find(([n]) => n.toLowerCase() === name);
      return found === undefined ? null : `header:${found[1]}`;
    }
    case 'json-path': {
      const value = valueAt(request.body, setting.path ?? '');
      return value === undefined ? null : `json:${JSON.stringify(value)}`;
    }
    case 'body-hash':
      return `sha256:${createHash('sha256').update(request.body).digest('hex')}`;
  }
}

/** The value at a dotted path (`data.object.id`) of a JSON body; `undefined` when absent or not JSON. */
function valueAt(body: Buffer, path: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
