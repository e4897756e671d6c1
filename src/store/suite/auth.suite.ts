import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { createApp, type SuiteContext, T0 } from './fixtures.suite.js';

const MINUTE_MS = 60_000;

export function describeAuth(ctx: SuiteContext): void {
  describe('tokens and settings', () => {
    it('stores tokens by hash and returns them whatever their expiry', async () => {
      const app = await createApp(ctx.store);
      const admin = { id: newId('tok'), hash: 'hash-admin', appId: null, createdAt: T0, expiresAt: null };
      const expired = { id: newId('tok'), hash: 'hash-app', appId: app.id, createdAt: T0, expiresAt: T0 - 1 };
      await ctx.store.auth.createToken(admin);
      await ctx.store.auth.createToken(expired);
      expect(await ctx.store.auth.findTokenByHash('hash-admin')).toEqual(admin);
      expect(await ctx.store.auth.findTokenByHash('hash-app')).toEqual(expired);
      expect(await ctx.store.auth.findTokenByHash('nope')).toBeNull();
      await ctx.store.auth.deleteToken('hash-app');
      await ctx.store.auth.deleteToken('nope');
      expect(await ctx.store.auth.findTokenByHash('hash-app')).toBeNull();
      expect(await ctx.store.auth.findTokenByHash('hash-admin')).toEqual(admin);
      await expect(ctx.store.auth.createToken({ ...admin, id: newId('tok') })).rejects.toBeInstanceOf(ConflictError);
      await expect(
        ctx.store.auth.createToken({ id: newId('tok'), hash: 'h3', appId: 'app_nope', createdAt: T0, expiresAt: null }),
      ).rejects.toBeInstanceOf(NotFoundError);
    });

    it('deletes a token by hash, once', async () => {
      const app = await createApp(ctx.store);
      await ctx.store.auth.createToken({
        id: newId('tok'),
        hash: 'h-out',
        appId: app.id,
        createdAt: T0,
        expiresAt: null,
      });
      expect(await ctx.store.auth.deleteToken('h-out')).toBe(true);
      expect(await ctx.store.auth.findTokenByHash('h-out')).toBeNull();
      expect(await ctx.store.auth.deleteToken('h-out')).toBe(false);
    });

    it('initializes a setting once: the first value stays, also between concurrent callers', async () => {
      expect(await ctx.store.auth.getSetting('admin_token_hash')).toBeNull();
      const results = await Promise.all(
        ['one', 'two', 'three'].map((v) => ctx.store.auth.initSetting('admin_token_hash', v)),
      );
      const winner = results[0];
      expect(['one', 'two', 'three']).toContain(winner);
      expect(results).toEqual([winner, winner, winner]);
      expect(await ctx.store.auth.initSetting('admin_token_hash', 'four')).toBe(winner);
      expect(await ctx.store.auth.getSetting('admin_token_hash')).toBe(winner);
      expect(await ctx.store.auth.initSetting('other', '')).toBe('');
    });
  });

  describe('idempotency', () => {
    const expiresAt = T0 + MINUTE_MS;

    it('goes new → running → done, and replays the stored response', async () => {
      expect(await ctx.store.auth.beginIdempotency('k', T0, expiresAt)).toEqual({ state: 'new' });
      expect(await ctx.store.auth.beginIdempotency('k', T0 + 1, expiresAt + 1)).toEqual({ state: 'running' });
      await ctx.store.auth.completeIdempotency('k', { statusCode: 202, body: '{"id":"msg_1"}' }, expiresAt + MINUTE_MS);
      expect(await ctx.store.auth.beginIdempotency('k', T0 + 2, expiresAt + 2)).toEqual({
        state: 'done',
        response: { statusCode: 202, body: '{"id":"msg_1"}' },
      });
      expect(await ctx.store.auth.beginIdempotency('other', T0, expiresAt)).toEqual({ state: 'new' });
    });

    it('starts over once the key expired or was abandoned', async () => {
      await ctx.store.auth.beginIdempotency('k', T0, expiresAt);
      await ctx.store.auth.completeIdempotency('k', { statusCode: 200, body: '{}' }, expiresAt + MINUTE_MS);
      // The response outlives the running lease, until its own expiry.
      expect((await ctx.store.auth.beginIdempotency('k', expiresAt, expiresAt + MINUTE_MS)).state).toBe('done');
      expect(await ctx.store.auth.beginIdempotency('k', expiresAt + MINUTE_MS, expiresAt + 2 * MINUTE_MS)).toEqual({
        state: 'new',
      });
      // A running key whose lease ran out (its process died) is free again.
      expect(await ctx.store.auth.beginIdempotency('k', expiresAt + 2 * MINUTE_MS, expiresAt + 3 * MINUTE_MS)).toEqual({
        state: 'new',
      });
      expect(
        await ctx.store.auth.beginIdempotency('k', expiresAt + 2 * MINUTE_MS + 1, expiresAt + 3 * MINUTE_MS),
      ).toEqual({ state: 'running' });

      await ctx.store.auth.beginIdempotency('j', T0, expiresAt);
      await ctx.store.auth.abandonIdempotency('j');
      expect(await ctx.store.auth.beginIdempotency('j', T0 + 1, expiresAt)).toEqual({ state: 'new' });
    });

    it('lets exactly one of many concurrent callers run', async () => {
      const states = await Promise.all(
        Array.from({ length: 20 }, () => ctx.store.auth.beginIdempotency('race', T0, expiresAt)),
      );
      expect(states.filter((s) => s.state === 'new')).toHaveLength(1);
      expect(states.filter((s) => s.state === 'running')).toHaveLength(19);
    });
  });
}
