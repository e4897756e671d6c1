import { type Config, ConfigError } from '../config/config.js';
import { createLogger } from '../log/create-logger.js';
import { drain, RETENTION_BATCH_ROWS } from '../retention/retention-job.js';
import { openStore } from '../store/open-store.js';

/**
 * `hookd prune --before DATE`: clears now what retention would clear later: the payloads (and
 * attempts' response bodies) of messages created before DATE, and the bodies and headers of
 * requests received before it, whatever their retention periods. Rows stay (the history setting
 * deletes them); payloads a pending delivery still needs stay too. DATE: ISO 8601
 * (`2026-01-31` is midnight UTC, or a date and time).
 */
export async function prune(beforeText: string, config: Config): Promise<number> {
  const before = Date.parse(beforeText);
  if (!/^\d{4}-\d{2}-\d{2}/.test(beforeText) || Number.isNaN(before)) {
    throw new ConfigError('prune needs --before DATE, an ISO 8601 date or date-time (e.g. 2026-01-31)');
  }
  const store = await openStore(config, { logger: createLogger(config.logLevel, 2) });
  try {
    const payloads = await drain((n) => store.retention.prunePayloadsBefore(before, n), RETENTION_BATCH_ROWS);
    const requests = await drain(
      (n) => store.retention.pruneRequestsBefore(before, n, Date.now()),
      RETENTION_BATCH_ROWS,
    );
    console.log(
      `hookd: pruned ${payloads} message payloads and ${requests} request bodies from before ${new Date(before).toISOString()}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
