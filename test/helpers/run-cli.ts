import { spawn } from 'node:child_process';
import { HOOKD_CLI, ROOT } from './hookd-build.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/cli/main.js ...args` (built by the tests' globalSetup) with this process's
 * environment minus its `HOOKD_*` settings, plus `env`; `input` is written to its stdin (else
 * stdin is closed, empty). Resolves when it exits.
 */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliRun> {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('HOOKD_'));
  const child = spawn(process.execPath, [HOOKD_CLI, ...args], {
    cwd: ROOT,
    env: { ...Object.fromEntries(inherited), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
