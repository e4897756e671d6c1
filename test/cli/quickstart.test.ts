import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { ROOT } from '../helpers/hookd-build.js';

/**
 * Runs the README's quick start as written (its first sh block, under bash, from the repository
 * root), but for `npm install` (the test run has installed and built) and hookd's port: 8071 is
 * replaced by a free one so that it cannot meet another hookd on this machine (HOOKD_SERVER says so
 * to the client commands, whose default is 8071). Data and the login
 * file go to temporary directories. It must end with the delivered, verified webhook.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'hookd-quickstart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** SIGTERM to every process left in the group `pid` leads; none left is fine. */
function stopGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function quickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md: no sh block under ## Quick start');
  return block;
}

describe('the README quick start', () => {
  it('ends with a signed webhook delivered and its signature verified', async () => {
    const block = quickStart();
    expect(block).toMatch(/^npm install$/m);
    const port = String(await freePort());
    const script = block.replace(/^npm install$/m, '').replaceAll('8071', port);
    const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('HOOKD_'));
    const child = spawn('bash', ['-e', '-c', script], {
      // A process group of its own: the script's `kill %1` stops hookd in a terminal, where the job
      // is a process group; under `bash -c` it signals only the job's subshell, and hookd, its child,
      // lives on: the group is stopped once the script has ended.
      detached: true,
      cwd: ROOT,
      env: {
        ...Object.fromEntries(inherited),
        HOOKD_PORT: port,
        HOOKD_SERVER: `http://127.0.0.1:${port}`,
        HOOKD_DATA_DIR: dataDir,
        XDG_CONFIG_HOME: dataDir,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    stopGroup(child.pid);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sent msg_\w+ \(invoice\.paid\) to acme$/m);
    expect(stdout).toMatch(new RegExp(`^delivered to http://127\\.0\\.0\\.1:${port}/in/inbox: 200 in \\d+ ms`, 'm'));
    expect(stdout).toMatch(/^\{"id":"in_1","amount":4200\}$/m);
    expect(stdout.trimEnd()).toMatch(/valid signature \(Standard Webhooks, the endpoint's secret\)$/);
  });
});
