import { fork, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root: child processes run from here so that `--import tsx` resolves. */
export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

const live = new Set<ChildProcess>();
const exitCleanups = new Set<() => void>();

/** Registers a child process to be killed when the bench exits, fails or is interrupted. */
export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs every tracked child that is still running. */
function killChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Registers synchronous cleanup (e.g. removing a temp dir) to run at exit; returns its remover. */
export function atExit(cleanup: () => void): () => void {
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

const asyncCleanups = new Set<() => Promise<void>>();
/** How long an interrupted bench waits for its asynchronous cleanups (e.g. DROP SCHEMA) before it exits. */
const ASYNC_CLEANUP_MS = 15_000;

/**
 * Registers asynchronous cleanup (e.g. dropping a PostgreSQL schema) for when the bench is
 * interrupted (SIGINT, SIGTERM, SIGHUP): it runs after the children are killed, before the exit.
 * The normal path cleans up by itself and calls the returned remover. A bench killed with
 * SIGKILL runs nothing.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  asyncCleanups.add(cleanup);
  return () => asyncCleanups.delete(cleanup);
}

process.once('exit', () => {
  killChildren();
  for (const cleanup of exitCleanups) cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killChildren();
    const code = 128 + constants.signals[signal];
    if (asyncCleanups.size === 0) process.exit(code);
    process.stderr.write(`bench: interrupted (${signal}): cleaning up\n`);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, ASYNC_CLEANUP_MS).unref());
    const cleanups = Promise.allSettled([...asyncCleanups].map((cleanup) => cleanup()));
    void Promise.race([cleanups, timeout]).finally(() => process.exit(code));
  });
}

/** What a bench child (receiver, relay) sends once its HTTP server listens. */
export interface ListeningMessage {
  type: 'listening';
  port: number;
}

/**
 * Forks `bench/<script>` under tsx with an IPC channel and waits until it reports its port.
 * The child exits by itself when the channel closes, so even a SIGKILLed bench leaves no child.
 */
export async function forkBenchChild(
  script: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = trackChild(
    fork(fileURLToPath(new URL(script, import.meta.url)), args, {
      cwd: ROOT_DIR,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench/${script} exited (code ${code}) before listening`));
    child.once('exit', onExit);
    child.on('message', function onMessage(msg: ListeningMessage) {
      if (msg?.type !== 'listening') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(msg.port);
    });
  });
  return { child, port };
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
