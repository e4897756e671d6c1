import { loadConfig } from '../config/config.js';
import { describeStartupError } from './start-up-errors.js';

/**
 * `hookd serve`: runs until SIGTERM or SIGINT, then stops gracefully. Its lines for a person (the
 * start line, the admin token shown once, stopping) go to stderr; stdout carries only the JSON log
 * lines, so a log shipper reading it never sees a token or a line it cannot parse. A start-up
 * that fails for a common reason prints one line that names the setting to change and returns 1.
 */
export async function serve(argv: string[]): Promise<number> {
  const config = loadConfig({ argv });
  // Loaded once the settings are known to be good: a bad one is reported without loading the server.
  const { startHookd, StartFailure } = await import('../server/hookd.js');
  let hookd: Awaited<ReturnType<typeof startHookd>>;
  try {
    hookd = await startHookd(config);
  } catch (error) {
    // A common cause (port taken, data directory not writable, database unreachable) gets one
    // line naming the setting to change; anything else is a bug and keeps its stack.
    const line = error instanceof StartFailure ? describeStartupError(error.cause, config, error.stage) : null;
    if (line === null) throw error instanceof StartFailure ? error.cause : error;
    console.error(`hookd: ${line}`);
    return 1;
  }
  if (hookd.generatedAdminToken) {
    console.error(`admin token (shown once, stored hashed): ${hookd.generatedAdminToken}`);
  }
  const where = config.databaseUrl ? 'PostgreSQL' : config.dataDir;
  const api = hookd.url ? `listening on ${hookd.url}` : 'API off';
  const worker = hookd.engine ? `worker ${hookd.engine.workerId}` : 'delivery off';
  console.error(`hookd ${api}, ${worker} (role ${config.role}, data: ${where})`);
  await new Promise<void>((resolve) => {
    // Signal listeners do not keep Node alive, and a worker's timers are unref'd: this handle
    // keeps the process up (a worker waiting on a reconnect must not exit 0) until a signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  console.error('hookd: stopping: finishing deliveries in flight');
  await hookd.close();
  return 0;
}
