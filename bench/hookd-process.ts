/**
 * hookd under test, as child processes: built (or run from source under tsx), started on a free
 * loopback port with a fresh data directory (SQLite) or a given PostgreSQL URL and a known admin
 * token, waited on until ready, measured (peak RSS), and stopped. A `HookdDeployment` is one
 * process (role `all`) or, on PostgreSQL, one API process and N worker processes.
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

export type HookdRole = 'all' | 'api' | 'worker';

export interface HookdStartOptions {
  mode: HookdMode;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Default `all`. */
  role?: HookdRole;
  /** `HOOKD_DATABASE_URL`: PostgreSQL instead of SQLite in the fresh data directory. */
  databaseUrl?: string;
  /** The admin token (processes of one deployment share it); default: a random one. */
  token?: string;
  /**
   * `bench` (the default): one endpoint may take every place of the engine (see below);
   * `hookd`: hookd's own limits per endpoint and application (16 and 64).
   */
  fairLimits?: 'bench' | 'hookd';
}

/** hookd's start-up line (src/cli/serve.ts): `hookd listening on ... | API off, worker ... (role ...)`. */
const STARTED_LINE = /^hookd (?:listening on \S+|API off), .*\(role (?:all|api|worker)\b/m;

export class HookdProcess {
  private output = '';
  private readonly forgetDataDir: () => void;

  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    /** The API's base URL; null for a worker. */
    readonly url: string | null,
    readonly token: string,
    readonly role: HookdRole,
    private readonly dataDir: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.forgetDataDir = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  }

  static async start({
    mode,
    nodeArgs = [],
    role = 'all',
    databaseUrl,
    token = newAdminToken(),
    fairLimits = 'bench',
  }: HookdStartOptions): Promise<HookdProcess> {
    const port = await findFreePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookd-bench-'));
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('HOOKD_')),
    );
    Object.assign(env, {
      HOOKD_PORT: String(port),
      HOOKD_HOST: '127.0.0.1',
      HOOKD_DATA_DIR: dataDir,
      HOOKD_ADMIN_TOKEN: token,
      // The receiver is on loopback, which the SSRF guard refuses unless allowed.
      HOOKD_ALLOWED_NETWORKS: '127.0.0.0/8',
      HOOKD_ROLE: role,
    });
    if (fairLimits === 'bench') {
      // The bench sends to one endpoint of one application: it may take every place of the
      // engine, as before the fair-share limits (16 per endpoint, 64 per application by default);
      // BENCH_ENDPOINT_CONCURRENCY and BENCH_APPLICATION_CONCURRENCY price the defaults.
      env.HOOKD_ENDPOINT_CONCURRENCY = process.env.BENCH_ENDPOINT_CONCURRENCY ?? '10000';
      env.HOOKD_APPLICATION_CONCURRENCY = process.env.BENCH_APPLICATION_CONCURRENCY ?? '10000';
    }
    if (databaseUrl !== undefined) env.HOOKD_DATABASE_URL = databaseUrl;
    // BENCH_METRICS=off measures hookd without its metrics (HOOKD_METRICS), to price them.
    if (process.env.BENCH_METRICS !== undefined) env.HOOKD_METRICS = process.env.BENCH_METRICS;
    const entry = mode === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
    const child = trackChild(
      spawn(process.execPath, [...nodeArgs, ...entry, 'serve'], {
        cwd: ROOT_DIR,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const url = role === 'worker' ? null : `http://127.0.0.1:${port}`;
    const hookd = new HookdProcess(child, url, token, role, dataDir);
    try {
      await hookd.waitReady();
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

  /** An API answers its health check; a worker (no API) has printed its start-up line. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `hookd (role ${this.role}) exited during start-up (code ${this.child.exitCode}):\n${this.outputTail()}`,
        );
      }
      if (this.url === null) {
        if (STARTED_LINE.test(this.output)) return;
      } else {
        try {
          const res = await request(`${this.url}/api/v1/health`);
          await res.body.dump();
          if (res.statusCode < 300) return;
        } catch {
          // not listening yet
        }
      }
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
    throw new Error(`hookd (role ${this.role}) not ready after ${START_TIMEOUT_MS / 1000} s:\n${this.outputTail()}`);
  }
}

const newAdminToken = () => randomBytes(16).toString('hex');

export interface DeploymentOptions {
  mode: HookdMode;
  nodeArgs?: string[];
  /** PostgreSQL; without it, SQLite (one process only). */
  databaseUrl?: string;
  /** 0: one process with role `all`; N > 0: one `api` process and N `worker` processes (PostgreSQL only). */
  workers: number;
  fairLimits?: HookdStartOptions['fairLimits'];
}

/** What the bench's API calls need. */
export interface HookdApi {
  url: string;
  token: string;
}

/** hookd as the load generator sees it: one API to post to, and the processes behind it. */
export class HookdDeployment implements HookdApi {
  private constructor(
    readonly processes: HookdProcess[],
    readonly url: string,
    readonly token: string,
  ) {}

  /** The API process first (it runs the migrations), then the workers, each once ready. */
  static async start({
    mode,
    nodeArgs,
    databaseUrl,
    workers,
    fairLimits,
  }: DeploymentOptions): Promise<HookdDeployment> {
    if (workers > 0 && databaseUrl === undefined) throw new Error('separate worker processes need PostgreSQL');
    const token = newAdminToken();
    const common = { mode, nodeArgs, databaseUrl, token, fairLimits };
    const processes: HookdProcess[] = [];
    try {
      processes.push(await HookdProcess.start({ ...common, role: workers > 0 ? 'api' : 'all' }));
      for (let i = 0; i < workers; i++) processes.push(await HookdProcess.start({ ...common, role: 'worker' }));
    } catch (err) {
      await Promise.all(processes.map((p) => p.stop()));
      throw err;
    }
    return new HookdDeployment(processes, processes[0].url!, token);
  }

  /** Peak RSS of the API process (the only process when role is `all`). */
  peakRssMiB(): number | null {
    return this.processes[0].peakRssMiB();
  }

  /** Each process's last lines, labelled, for error reports. */
  outputTail(): string {
    return this.processes.map((p) => `[${p.role}, pid ${p.pid}]\n${p.outputTail()}`).join('\n');
  }

  /** Every process's pid, the API's first (for CPU time per message). */
  pids(): number[] {
    return this.processes.map((p) => p.pid);
  }

  /** Which process has which pid (e.g. to tell CPU profiles apart). */
  describe(): string {
    return this.processes.map((p) => `${p.role} pid ${p.pid}`).join(', ');
  }

  /** The API first (no new messages), then the workers, each gracefully. */
  async stop(): Promise<void> {
    await this.processes[0].stop();
    await Promise.all(this.processes.slice(1).map((p) => p.stop()));
  }
}

/** A port that was free a moment ago (the OS picks it; hookd binds it right after). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
