import { Type, type Static } from 'typebox';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { Application } from '../core/types.js';
import { ListResponse, PaginationQuery, toListResponse, toPageQuery } from '../http/pagination.js';
import { NoContent, withErrors } from '../http/schema-types.js';
import type { ApplicationInput } from '../store/store.js';
import { isApplicationId, requireApplication, type OutboundDeps, type TypedApp } from './context.js';
import { AppParams } from './params.js';
import { ApplicationIn, ApplicationOut, ApplicationPatch } from './schemas.js';
import { applicationOut } from './serialize.js';

const tags = ['Application'];

/** `/api/v1/app`: list, create (or get with `get_if_exists`), get, upsert, patch, delete. */
export function registerApplicationRoutes(app: TypedApp, deps: OutboundDeps): void {
  const { store, now } = deps;

  app.get(
    '/api/v1/app',
    {
      schema: {
        tags,
        summary: 'List applications',
        querystring: Type.Object(PaginationQuery),
        response: withErrors({ 200: ListResponse(ApplicationOut) }),
      },
    },
    async (request) => toListResponse(await store.applications.list(toPageQuery(request.query)), applicationOut),
  );

  app.post(
    '/api/v1/app',
    {
      schema: {
        tags,
        summary: 'Create an application',
        description:
          'With `get_if_exists=true`, an existing application with the same uid is returned (200) instead of a 409.',
        querystring: Type.Object({ get_if_exists: Type.Boolean({ default: false }) }),
        body: ApplicationIn,
        response: withErrors({ 200: ApplicationOut, 201: ApplicationOut }),
      },
    },
    async (request, reply) => {
      const input = toApplicationInput(request.body);
      const findExisting = async () =>
        request.query.get_if_exists && input.uid ? store.applications.get(input.uid) : null;
      const existing = await findExisting();
      if (existing !== null) return reply.code(200).send(applicationOut(existing));
      try {
        return reply.code(201).send(applicationOut(await store.applications.create(input, now())));
      } catch (err) {
        // Lost a race with a concurrent get-or-create of the same uid.
        const winner = err instanceof ConflictError ? await findExisting() : null;
        if (winner === null) throw err;
        return reply.code(200).send(applicationOut(winner));
      }
    },
  );

  app.get(
    '/api/v1/app/:app_id',
    {
      schema: { tags, summary: 'Get an application', params: AppParams, response: withErrors({ 200: ApplicationOut }) },
    },
    async (request) => applicationOut(await requireApplication(store, request.params.app_id)),
  );

  app.put(
    '/api/v1/app/:app_id',
    {
      schema: {
        tags,
        summary: 'Create or update an application',
        description: 'Updates the application (200), or creates it with the path as its uid (201).',
        params: AppParams,
        body: ApplicationIn,
        response: withErrors({ 200: ApplicationOut, 201: ApplicationOut }),
      },
    },
    async (request, reply) => {
      const ref = request.params.app_id;
      const input = toApplicationInput(request.body);
      const update = (existing: Application) =>
        store.applications.update(
          existing.id,
          { ...input, uid: input.uid === undefined ? existing.uid : input.uid },
          now(),
        );
      const existing = await store.applications.get(ref);
      if (existing !== null) return reply.code(200).send(applicationOut(await update(existing)));
      if (isApplicationId(ref)) await requireApplication(store, ref); // 404: an id cannot be chosen
      try {
        return reply.code(201).send(applicationOut(await store.applications.create({ ...input, uid: ref }, now())));
      } catch (err) {
        const winner = err instanceof ConflictError ? await store.applications.get(ref) : null;
        if (winner === null) throw err;
        return reply.code(200).send(applicationOut(await update(winner)));
      }
    },
  );

  app.patch(
    '/api/v1/app/:app_id',
    {
      schema: {
        tags,
        summary: 'Partially update an application',
        params: AppParams,
        body: ApplicationPatch,
        response: withErrors({ 200: ApplicationOut }),
      },
    },
    async (request) => {
      const existing = await requireApplication(store, request.params.app_id);
      const patch = toApplicationPatch(request.body);
      const input: ApplicationInput = {
        name: patch.name ?? existing.name,
        uid: patch.uid !== undefined ? patch.uid : existing.uid,
        metadata: patch.metadata ?? existing.metadata,
        throttleRate: patch.throttleRate !== undefined ? patch.throttleRate : existing.throttleRate,
      };
      return applicationOut(await store.applications.update(existing.id, input, now()));
    },
  );

  app.delete(
    '/api/v1/app/:app_id',
    { schema: { tags, summary: 'Delete an application', params: AppParams, response: withErrors({ 204: NoContent }) } },
    async (request, reply) => {
      const existing = await requireApplication(store, request.params.app_id);
      await store.applications.delete(existing.id);
      return reply.code(204).send();
    },
  );
}

/** ApplicationIn → the store's input; `rateLimit` is the older name of `throttleRate`. */
export function toApplicationInput(body: Static<typeof ApplicationIn>): ApplicationInput {
  return { ...toApplicationPatch(body), name: body.name };
}

function toApplicationPatch(body: Static<typeof ApplicationPatch>): Partial<ApplicationInput> {
  const out: Partial<ApplicationInput> = {};
  if (body.name !== undefined) out.name = body.name;
  if (body.uid !== undefined) out.uid = checkUid(body.uid);
  if (body.metadata !== undefined) out.metadata = body.metadata;
  const throttleRate = body.throttleRate !== undefined ? body.throttleRate : body.rateLimit;
  if (throttleRate !== undefined) out.throttleRate = throttleRate;
  return out;
}

/** A uid shaped like an id would make `{app_id}` ambiguous. */
function checkUid(uid: string | null): string | null {
  if (uid !== null && isApplicationId(uid))
    throw new ValidationError('uid must not start with "app_", the prefix of application ids', 'uid');
  return uid;
}
