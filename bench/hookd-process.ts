/**
 * hookd under test, as a child process: built (or run from source under tsx), started on a free
 * loopback port with a fresh data directory and a known admin token, waited on until healthy,
 * measured (peak RSS), and stopped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { atExit, ROOT_DIR, stopChild, trackChild } from './children.js';

/** `dist`: the build users run (`node dist/cli/main.js`); `tsx`: the sources as they are. */
export type HookdMode = 'dist' | 'tsx';

const START_TIMEOUT_MS = 60_000;
const HEALTH_POLL_MS = 100;
const OUTPUT_TAIL_CHARS = 8_000;

/** Runs `npm run build`; on failure returns tsc's output. */
export function buildHookd(): { ok: true } | { ok: false; output: string } {
  const run = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT_DIR, encoding: 'utf8' });
  if (run.status === 0 && existsSync(join(ROOT_DIR, 'dist/cli/main.js'))) return { ok: true };
  return { ok: false, output: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error?.message ?? ''}`.trim() };
}

export interface HookdStartOptions {
  mode: HookdMode;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export class HookdProcess {
  private output = '';
  private readonly forgetDataDir: () => void;

  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    readonly url: string,
    readonly token: string,
    private readonly dataDir: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.forgetDataDir = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  }

  static async start({ mode, nodeArgs = [] }: HookdStartOptions): Promise<HookdProcess> {
    const port = await findFreePort();
    const token = randomBytes(16).toString('hex');
    const dataDir = mkdtempSync(join(tmpdir(), 'hookd-bench-'));
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('HOOKD_')));
    Object.assign(env, {
      HOOKD_PORT: String(port),
      HOOKD_HOST: '127.0.0.1',
      HOOKD_DATA_DIR: dataDir,
      HOOKD_ADMIN_TOKEN: token,
      // The receiver is on loopback, which the SSRF guard refuses unless allowed.
      HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
    });
    const entry = mode === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
    const child = trackChild(
      spawn(process.execPath, [...nodeArgs, ...entry, 'serve'], { cwd: ROOT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const hookd = new HookdProcess(child, `http://127.0.0.1:${port}`, token, dataDir);
    try {
      await hookd.waitHealthy();
    } catch (err) {
      await hookd.stop();
      throw err;
    }
    return hookd;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The process's peak resident set so far (VmHWM), in MiB; null where /proc is not available. */
  peakRssMiB(): number | null {
    try {
      const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** The last lines hookd printed, for error reports. */
  outputTail(): string {
    return this.output.trim();
  }

  /** Graceful stop (SIGTERM, which also lets `--cpu-prof` write its profile), then cleanup. */
  async stop(): Promise<void> {
    await stopChild(this.child, 15_000);
    rmSync(this.dataDir, { recursive: true, force: true });
    this.forgetDataDir();
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`hookd exited during start-up (code ${this.child.exitCode}):\n${this.outputTail()}`);
      }
      try {
        const res = await request(`${this.url}/api/v1/health`);
        await res.body.dump();
        if (res.statusCode < 300) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
    throw new Error(`hookd not healthy after ${START_TIMEOUT_MS / 1000} s:\n${this.outputTail()}`);
  }
}

/** A port that was free a moment ago (the OS picks it; hookd binds it right after). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
