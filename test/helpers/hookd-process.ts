import { spawn, type ChildProcess } from 'node:child_process';
import { HOOKD_CLI, ROOT } from './hookd-build.js';

export interface HookdProcess {
  child: ChildProcess;
  /** The API's base URL, read from the process's start-up line; '' for a worker-only process. */
  url: string;
  /** The delivery engine's worker id (its leases carry it); '' for an API-only process. */
  workerId: string;
  /** stdout and stderr as they arrived, interleaved. */
  output: () => string;
  /** stdout alone: the JSON log lines. */
  stdout: () => string;
}

/**
 * Runs `hookd serve` from dist/ (built by the tests' globalSetup) as a child process and waits
 * until it is up.
 */
export async function spawnHookd(env: Record<string, string>, timeoutMs = 30_000): Promise<HookdProcess> {
  const child = spawn(process.execPath, [HOOKD_CLI, 'serve'], {
    cwd: ROOT,
    env: hookdEnv({ HOOKD_PORT: '0', HOOKD_HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d) => {
    output += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => (output += d));
  const startLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hookd did not start:\n${output}`)), timeoutMs);
    const onData = () => {
      const match = /^hookd (listening on|API off).*$/m.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve(match[0]);
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hookd exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  const url = /listening on (http:\/\/[^\s,]+)/.exec(startLine)?.[1] ?? '';
  const workerId = /worker (wrk_\w+)/.exec(startLine)?.[1] ?? '';
  return { child, url, workerId, output: () => output, stdout: () => stdout };
}

/** This process's environment with only the `HOOKD_*` settings given: none of the shell's own. */
function hookdEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('HOOKD_'));
  return { ...Object.fromEntries(inherited), ...settings };
}

/** Resolves when the child has exited. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
