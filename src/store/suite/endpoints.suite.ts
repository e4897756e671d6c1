import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import {
  collectPages,
  createApp,
  createEndpoint,
  endpointInput,
  LEASE_MS,
  messageInput,
  outcomeFor,
  type SuiteContext,
  T0,
  claimMessages,
} from './fixtures.suite.js';

export function describeEndpoints(ctx: SuiteContext): void {
  describe('endpoints', () => {
    it('creates an endpoint with its first secret and finds it by id and by uid', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await ctx.store.endpoints.create(
        app.id,
        endpointInput({
          uid: 'main',
          description: 'Main',
          eventTypes: ['a'],
          channels: ['eu'],
          metadata: { team: 'x' },
          throttleRate: 5,
          maxConcurrency: 4,
          ordered: true,
          headers: { 'x-extra': '1' },
          secret: 'whsec_first',
        }),
        T0,
      );
      expect(endpoint).toEqual({
        id: expect.stringMatching(/^ep_/),
        appId: app.id,
        uid: 'main',
        url: 'https://example.com/hook',
        description: 'Main',
        eventTypes: ['a'],
        channels: ['eu'],
        disabled: false,
        metadata: { team: 'x' },
        throttleRate: 5,
        maxConcurrency: 4,
        ordered: true,
        headers: { 'x-extra': '1' },
        secrets: [{ key: 'whsec_first', expiresAt: null }],
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.endpoints.get(app.id, endpoint.id)).toEqual(endpoint);
      expect(await ctx.store.endpoints.get(app.id, 'main')).toEqual(endpoint);
      expect(await ctx.store.endpoints.get(app.id, 'nope')).toBeNull();
    });

    it('fills defaults', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id);
      expect(endpoint).toMatchObject({
        uid: null,
        description: '',
        eventTypes: null,
        channels: null,
        disabled: false,
        metadata: {},
        throttleRate: null,
        maxConcurrency: null,
        ordered: false,
        headers: {},
      });
    });

    it('is invisible from another application, and a uid is unique per application only', async () => {
      const a = await createApp(ctx.store);
      const b = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, a.id, { uid: 'same' });
      expect(await ctx.store.endpoints.get(b.id, endpoint.id)).toBeNull();
      expect(await ctx.store.endpoints.get(b.id, 'same')).toBeNull();
      await createEndpoint(ctx.store, b.id, { uid: 'same' });
      await expect(createEndpoint(ctx.store, a.id, { uid: 'same' })).rejects.toBeInstanceOf(ConflictError);
      const second = await createEndpoint(ctx.store, a.id, { uid: 'second' });
      await expect(
        ctx.store.endpoints.update(a.id, second.id, { url: second.url, uid: 'same' }, T0),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(ctx.store.endpoints.delete(b.id, endpoint.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('throws NotFoundError for an unknown application or endpoint', async () => {
      await expect(createEndpoint(ctx.store, 'app_nope')).rejects.toBeInstanceOf(NotFoundError);
      const app = await createApp(ctx.store);
      const input = { url: 'https://x.test' };
      await expect(ctx.store.endpoints.update(app.id, 'ep_nope', input, T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.endpoints.delete(app.id, 'ep_nope')).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.endpoints.setHeaders(app.id, 'ep_nope', {}, T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.endpoints.setSecrets(app.id, 'ep_nope', [], T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('updates by uid, replacing the mutable fields but keeping secrets and (unless given) headers', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id, {
        uid: 'e1',
        description: 'old',
        eventTypes: ['a'],
        headers: { 'x-a': '1' },
      });
      const updated = await ctx.store.endpoints.update(
        app.id,
        'e1',
        { url: 'https://new.test/hook', uid: 'e1', disabled: true, channels: ['c'] },
        T0 + 9,
      );
      expect(updated).toEqual({
        ...endpoint,
        url: 'https://new.test/hook',
        description: '',
        eventTypes: null,
        channels: ['c'],
        disabled: true,
        updatedAt: T0 + 9,
      });
      const input = { url: 'https://new.test', headers: { 'x-b': '2' } };
      const withHeaders = await ctx.store.endpoints.update(app.id, endpoint.id, input, T0 + 10);
      expect(withHeaders.headers).toEqual({ 'x-b': '2' });
    });

    it('sets headers and secrets', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id, { uid: 'e1' });
      const withHeaders = await ctx.store.endpoints.setHeaders(app.id, 'e1', { 'x-k': 'v' }, T0 + 1);
      expect(withHeaders).toMatchObject({ headers: { 'x-k': 'v' }, updatedAt: T0 + 1 });
      const secrets = [
        { key: 'whsec_old', expiresAt: T0 + 86_400_000 },
        { key: 'whsec_new', expiresAt: null },
      ];
      const rotated = await ctx.store.endpoints.setSecrets(app.id, endpoint.id, secrets, T0 + 2);
      expect(rotated).toMatchObject({ secrets, headers: { 'x-k': 'v' }, updatedAt: T0 + 2 });
      expect((await ctx.store.endpoints.get(app.id, endpoint.id))?.secrets).toEqual(secrets);
    });

    it('lists ascending by default, with paging', async () => {
      const app = await createApp(ctx.store);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createEndpoint(ctx.store, app.id)).id);
      await createEndpoint(ctx.store, (await createApp(ctx.store)).id); // another app's
      const pages = await collectPages((iterator) => ctx.store.endpoints.list(app.id, { limit: 2, iterator }));
      expect(pages.map((p) => p.map((e) => e.id))).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      const desc = await ctx.store.endpoints.list(app.id, { limit: 5, order: 'descending' });
      expect(desc.data.map((e) => e.id)).toEqual([...ids].reverse());
    });

    it('deletes an endpoint with its deliveries', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id, { uid: 'e1' });
      const { message } = await ctx.store.messages.create(messageInput(app.id), T0);
      await ctx.store.endpoints.delete(app.id, 'e1');
      expect(await ctx.store.endpoints.get(app.id, endpoint.id)).toBeNull();
      expect(await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0)).toEqual([]);
      expect((await ctx.store.attempts.messageDestinations(app.id, message.id, { limit: 10 })).data).toEqual([]);
      // The message itself stays.
      expect(await ctx.store.messages.get(app.id, message.id)).not.toBeNull();
    });

    it('counts deliveries by status within a time range, all five statuses present', async () => {
      const app = await createApp(ctx.store);
      const endpoint = await createEndpoint(ctx.store, app.id);
      const empty = await ctx.store.endpoints.stats(endpoint.id, {});
      expect(empty).toEqual({ pending: 0, sending: 0, success: 0, fail: 0, canceled: 0 });

      for (let i = 0; i < 4; i++) await ctx.store.messages.create(messageInput(app.id), T0 + i);
      await ctx.store.messages.create(messageInput(app.id), T0 + 1_000); // later: outside the range below
      const claimed = await claimMessages(ctx.store, 'w', 3, LEASE_MS, T0 + 10);
      await ctx.store.queue.record(
        'w',
        [
          outcomeFor(claimed[0], T0 + 10, { status: 'success', nextAttemptAt: null }),
          outcomeFor(claimed[1], T0 + 10, { status: 'fail', nextAttemptAt: null }),
        ],
        T0 + 10,
      );
      expect(await ctx.store.endpoints.stats(endpoint.id, { since: T0, until: T0 + 4 })).toEqual({
        pending: 1,
        sending: 1,
        success: 1,
        fail: 1,
        canceled: 0,
      });
      expect(await ctx.store.endpoints.stats(endpoint.id, { since: T0 + 4 })).toMatchObject({ pending: 1 });
      expect(await ctx.store.endpoints.stats(endpoint.id, { until: T0 + 1 })).toMatchObject({ success: 1, pending: 0 });
    });
  });
}
