import { describe } from 'vitest';
import type { MakeStore } from './suite/fixtures.suite.js';
import { describeApplications, describeEventTypes } from './suite/applications.suite.js';
import { describeAttempts } from './suite/attempts.suite.js';
import { describeAuth } from './suite/auth.suite.js';
import { describeEndpoints } from './suite/endpoints.suite.js';
import { describeFairShare } from './suite/fair-share.suite.js';
import { setUpStore } from './suite/fixtures.suite.js';
import { describeInbound } from './suite/inbound.suite.js';
import { describeListen } from './suite/listen.suite.js';
import { describeMessages } from './suite/messages.suite.js';
import { describeQueue } from './suite/queue.suite.js';
import { describeReceive } from './suite/receive.suite.js';
import { describeRequests } from './suite/requests.suite.js';
import { describeSources } from './suite/sources.suite.js';
import { describeStats } from './suite/stats.suite.js';
import { describeTargetHealth } from './suite/target-health.suite.js';

/**
 * The conformance suite of the `Store` interface: every backend's test file calls it with a
 * factory of fresh, empty stores, and must pass it unchanged. It tests through the interface only
 * (no SQL, no backend internals), with times passed in from a fixed clock. The suite calls
 * `migrate()` itself and `close()` after each test.
 */
export function runStoreSuite(name: string, makeStore: MakeStore): void {
  describe(`Store conformance: ${name}`, () => {
    const ctx = setUpStore(makeStore);
    describeApplications(ctx);
    describeEventTypes(ctx);
    describeEndpoints(ctx);
    describeMessages(ctx);
    describeQueue(ctx);
    describeFairShare(ctx);
    describeAttempts(ctx);
    describeAuth(ctx);
    describeInbound(ctx);
    describeSources(ctx);
    describeReceive(ctx);
    describeRequests(ctx);
    describeListen(ctx);
    describeStats(ctx);
    describeTargetHealth(ctx);
  });
}
