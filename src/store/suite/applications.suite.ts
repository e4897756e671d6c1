import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import {
  collectPages,
  createApp,
  createEndpoint,
  LEASE_MS,
  messageInput,
  outcomeFor,
  type SuiteContext,
  T0,
  claimMessages,
} from './fixtures.suite.js';

export function describeApplications(ctx: SuiteContext): void {
  describe('applications', () => {
    it('creates an application and finds it by id and by uid', async () => {
      const app = await ctx.store.applications.create(
        { name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10 },
        T0,
      );
      expect(app).toEqual({
        id: expect.stringMatching(/^app_/),
        uid: 'acme',
        name: 'Acme',
        metadata: { plan: 'pro' },
        throttleRate: 10,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.applications.get(app.id)).toEqual(app);
      expect(await ctx.store.applications.get('acme')).toEqual(app);
      expect(await ctx.store.applications.get('nope')).toBeNull();
    });

    it('fills defaults: no uid, empty metadata, no throttle', async () => {
      const app = await ctx.store.applications.create({ name: 'Plain' }, T0);
      expect(app).toMatchObject({ uid: null, metadata: {}, throttleRate: null });
    });

    it('refuses a uid that another application has, on create and on update', async () => {
      await createApp(ctx.store, 'taken');
      const other = await createApp(ctx.store, 'other');
      await expect(createApp(ctx.store, 'taken')).rejects.toBeInstanceOf(ConflictError);
      await expect(ctx.store.applications.update(other.id, { name: 'x', uid: 'taken' }, T0)).rejects.toBeInstanceOf(
        ConflictError,
      );
      // Many applications may have no uid.
      await createApp(ctx.store, null);
      await createApp(ctx.store, null);
    });

    it('updates by uid, replacing the mutable fields', async () => {
      const app = await ctx.store.applications.create({ name: 'Acme', uid: 'acme', metadata: { a: '1' } }, T0);
      const updated = await ctx.store.applications.update('acme', { name: 'Acme 2', uid: 'acme2' }, T0 + 5);
      expect(updated).toEqual({ ...app, name: 'Acme 2', uid: 'acme2', metadata: {}, updatedAt: T0 + 5 });
      expect(await ctx.store.applications.get('acme2')).toEqual(updated);
      expect(await ctx.store.applications.get('acme')).toBeNull();
      // Keeping its own uid is no conflict.
      await ctx.store.applications.update(app.id, { name: 'Acme 3', uid: 'acme2' }, T0 + 6);
    });

    it('throws NotFoundError when updating or deleting an unknown application', async () => {
      await expect(ctx.store.applications.update('app_nope', { name: 'x' }, T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.applications.delete('app_nope')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists ascending by default, pages forward and back, and honours order', async () => {
      const apps = [];
      for (let i = 0; i < 7; i++) apps.push(await createApp(ctx.store, `u${i}`));
      const ids = apps.map((a) => a.id);
      const pages = await collectPages((iterator) => ctx.store.applications.list({ limit: 3, iterator }));
      expect(pages.map((p) => p.map((a) => a.id))).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);

      const second = await ctx.store.applications.list({ limit: 3, iterator: ids[2] });
      expect(second).toMatchObject({ iterator: ids[5], prevIterator: `-${ids[3]}`, done: false });
      const back = await ctx.store.applications.list({ limit: 3, iterator: second.prevIterator });
      expect(back.data.map((a) => a.id)).toEqual(ids.slice(0, 3));
      expect(back.done).toBe(true);

      const desc = await ctx.store.applications.list({ limit: 10, order: 'descending' });
      expect(desc.data.map((a) => a.id)).toEqual([...ids].reverse());
      expect(desc.done).toBe(true);
    });

    it('treats an iterator that is not an id as a position in string order, never an error', async () => {
      await createApp(ctx.store);
      await createApp(ctx.store);
      expect((await ctx.store.applications.list({ limit: 10, iterator: 'app_' })).data).toHaveLength(2);
      expect(await ctx.store.applications.list({ limit: 10, iterator: 'zzz' })).toEqual({
        data: [],
        iterator: null,
        prevIterator: null,
        done: true,
      });
      expect((await ctx.store.applications.list({ limit: 10, iterator: '-zzz' })).data).toHaveLength(2);
    });

    it('deletes by uid with everything the application owns', async () => {
      const app = await createApp(ctx.store, 'gone');
      const keep = await createApp(ctx.store, 'kept');
      for (const a of [app, keep]) {
        await createEndpoint(ctx.store, a.id);
        await ctx.store.messages.create(messageInput(a.id), T0);
      }
      const token = { id: newId('tok'), hash: 'h-gone', appId: app.id, createdAt: T0, expiresAt: null };
      await ctx.store.auth.createToken(token);
      const claimed = await claimMessages(ctx.store, 'w', 10, LEASE_MS, T0);
      const outcomes = claimed.map((c) => outcomeFor(c, T0, { status: 'success', nextAttemptAt: null }));
      await ctx.store.queue.record('w', outcomes, T0);

      await ctx.store.applications.delete('gone');

      expect(await ctx.store.applications.get(app.id)).toBeNull();
      expect((await ctx.store.endpoints.list(app.id, { limit: 10 })).data).toEqual([]);
      expect((await ctx.store.messages.list(app.id, { limit: 10 })).data).toEqual([]);
      expect((await ctx.store.attempts.list(app.id, { limit: 10 })).data).toEqual([]);
      expect(await ctx.store.auth.findTokenByHash('h-gone')).toBeNull();
      // The other application is untouched.
      expect((await ctx.store.messages.list(keep.id, { limit: 10 })).data).toHaveLength(1);
      expect((await ctx.store.attempts.list(keep.id, { limit: 10 })).data).toHaveLength(1);
    });
  });
}

export function describeEventTypes(ctx: SuiteContext): void {
  describe('event types', () => {
    // Text kept as given on both backends: a json column parsed on the way out would lose these digits.
    const schemas = '{"1":{"type":"object","examples":[{"amount":12345678901234567890,"f":1.0}]}}';

    it('creates, gets and refuses a second one with the same name', async () => {
      const created = await ctx.store.eventTypes.create(
        { name: 'invoice.paid', description: 'Paid', featureFlag: 'beta', schemas },
        T0,
      );
      expect(created).toEqual({
        name: 'invoice.paid',
        description: 'Paid',
        archived: false,
        deprecated: false,
        featureFlag: 'beta',
        schemas,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(await ctx.store.eventTypes.get('invoice.paid')).toEqual(created);
      expect(await ctx.store.eventTypes.get('nope')).toBeNull();
      await expect(ctx.store.eventTypes.create({ name: 'invoice.paid', description: '' }, T0)).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it('updates the fields, or throws NotFoundError', async () => {
      await ctx.store.eventTypes.create({ name: 'a', description: 'one', schemas }, T0);
      const updated = await ctx.store.eventTypes.update('a', { description: 'two', deprecated: true }, T0 + 1);
      expect(updated).toMatchObject({ description: 'two', deprecated: true, schemas: null, updatedAt: T0 + 1 });
      await expect(ctx.store.eventTypes.update('b', { description: '' }, T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('archives on delete, hides archived ones from lists unless asked, expunges for good', async () => {
      for (const name of ['a', 'b', 'c']) await ctx.store.eventTypes.create({ name, description: '' }, T0);
      await ctx.store.eventTypes.delete('b', false, T0 + 1);
      expect(await ctx.store.eventTypes.get('b')).toMatchObject({ archived: true, updatedAt: T0 + 1 });
      const names = async (includeArchived: boolean) =>
        (await ctx.store.eventTypes.list({ limit: 10, includeArchived })).data.map((t) => t.name);
      expect(await names(false)).toEqual(['a', 'c']);
      expect(await names(true)).toEqual(['a', 'b', 'c']);

      await ctx.store.eventTypes.delete('b', true, T0 + 2);
      expect(await ctx.store.eventTypes.get('b')).toBeNull();
      await expect(ctx.store.eventTypes.delete('b', true, T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(ctx.store.eventTypes.delete('zz', false, T0)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('pages by name', async () => {
      const all = ['a.1', 'a.2', 'b.1', 'b.2', 'c.1'];
      for (const name of [...all].reverse()) await ctx.store.eventTypes.create({ name, description: '' }, T0);
      const pages = await collectPages((iterator) =>
        ctx.store.eventTypes.list({ limit: 2, iterator, includeArchived: false }),
      );
      expect(pages.map((p) => p.map((t) => t.name))).toEqual([['a.1', 'a.2'], ['b.1', 'b.2'], ['c.1']]);
      const back = await ctx.store.eventTypes.list({ limit: 2, iterator: '-b.2', includeArchived: false });
      expect(back.data.map((t) => t.name)).toEqual(['a.2', 'b.1']);
      expect(back.done).toBe(false);
    });
  });
}
