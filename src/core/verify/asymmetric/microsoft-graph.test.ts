import { describe, expect, it } from 'vitest';
import type { VerifiableRequest } from '../types.js';
import { microsoftGraphProvider } from './microsoft-graph.js';

function notification(...clientStates: (string | undefined)[]): VerifiableRequest {
  const value = clientStates.map((clientState, i) => ({
    subscriptionId: `sub-${i}`,
    changeType: 'created',
    resource: 'Users/1/Messages/2',
    ...(clientState === undefined ? {} : { clientState }),
  }));
  return {
    method: 'POST',
    url: 'https://hookd.test/in/src_1',
    headers: [],
    body: Buffer.from(JSON.stringify({ value })),
  };
}

const setting = microsoftGraphProvider.parse({ type: 'microsoft-graph', secrets: ['state-new', 'state-old'] });
const context = { now: 0 };

describe('microsoft-graph', () => {
  it('accepts notifications carrying any of the clientStates', async () => {
    expect(await microsoftGraphProvider.verify(notification('state-new', 'state-old'), setting, context)).toEqual({
      ok: true,
    });
  });

  it('rejects one whose clientState differs, and one without it', async () => {
    expect(await microsoftGraphProvider.verify(notification('state-new', 'state-nex'), setting, context)).toEqual({
      ok: false,
      cause: 'signature_invalid',
      detail: 'value[1].clientState matches none of the secrets',
    });
    expect(await microsoftGraphProvider.verify(notification(undefined), setting, context)).toMatchObject({
      cause: 'signature_missing',
    });
    const notJson = { ...notification('x'), body: Buffer.from('nope') };
    expect(await microsoftGraphProvider.verify(notJson, setting, context)).toMatchObject({
      cause: 'signature_missing',
    });
  });

  it('checks nothing without secrets, and parse refuses an over-long clientState', async () => {
    expect(await microsoftGraphProvider.verify(notification(undefined), { type: 'microsoft-graph' }, context)).toEqual({
      ok: true,
    });
    expect(() => microsoftGraphProvider.parse({ type: 'microsoft-graph', secrets: ['x'.repeat(129)] })).toThrow(
      expect.objectContaining({ field: 'secrets' }),
    );
  });
});
