import type { Static } from 'typebox';
import type { Connection } from '../core/types.js';
import { memberTextOf } from '../http/json-body.js';
import type { ConnectionInput } from '../store/store.js';
import { type ReceiveApiDeps, requireDestination, requireSource } from './context.js';
import type { ConnectionIn, ConnectionPatch } from './schemas.js';
import { checkFilter, checkTransform } from './setting-checks.js';

/**
 * POST body → the store's ConnectionInput: source and destination refs resolved to ids (404 when
 * unknown), the filter compiled and the transform checked in the sandbox (on the pool's thread) (422 naming the problem).
 * The filter's text is kept as the customer wrote it (`memberTextOf`), for the API to show back.
 */
export async function toNewConnection(
  { store, transformPool }: ReceiveApiDeps,
  body: Static<typeof ConnectionIn>,
): Promise<ConnectionInput> {
  const filter = body.filter == null ? null : checkFilter(body.filter);
  const filterText = filter === null ? null : (memberTextOf(body, 'filter') ?? null);
  const transform = body.transform == null ? null : await checkTransform(transformPool, body.transform);
  const source = await requireSource(store, body.source);
  const destination = await requireDestination(store, body.destination);
  return {
    name: body.name ?? '',
    sourceId: source.id,
    destinationId: destination.id,
    filter,
    filterText,
    transform,
    disabled: body.disabled ?? false,
  };
}

/** PATCH: the fields present replace the connection's (checked as on creation), the rest stay. */
export async function toPatchedConnection(
  { store, transformPool }: ReceiveApiDeps,
  existing: Connection,
  body: Static<typeof ConnectionPatch>,
): Promise<ConnectionInput> {
  const filter = body.filter === undefined ? existing.filter : body.filter === null ? null : checkFilter(body.filter);
  const filterText =
    body.filter === undefined ? existing.filterText : filter === null ? null : (memberTextOf(body, 'filter') ?? null);
  const transform =
    body.transform === undefined
      ? existing.transform
      : body.transform === null
        ? null
        : await checkTransform(transformPool, body.transform);
  return {
    name: body.name ?? existing.name,
    sourceId: body.source === undefined ? existing.sourceId : (await requireSource(store, body.source)).id,
    destinationId:
      body.destination === undefined ? existing.destinationId : (await requireDestination(store, body.destination)).id,
    filter,
    filterText,
    transform,
    disabled: body.disabled ?? existing.disabled,
  };
}
