import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The built CLI that tests run as a child process (`node dist/cli/main.js ...`): what users run,
 * and a start costs less than half the CPU of the sources under tsx, which compiles every module
 * at each start.
 */
export const HOOKD_CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** What the build reads: a change to any of these makes dist/ stale. */
const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** The dashboard's bundle (`vite build`), and what it is built from. */
const UI_INDEX = join(ROOT, 'dist', 'ui', 'index.html');
const UI_INPUTS = ['ui', 'package.json'];

/**
 * Builds dist/ (`tsc -p tsconfig.build.json`, as `npm run build`) unless it is newer than every
 * source file. vitest's globalSetup calls it once per run, so a test never spawns a stale build;
 * after `npm install` (whose `prepare` builds) or an unchanged re-run it only compares file times.
 * Throws with tsc's output when the build wrote nothing.
 */
export function ensureBuilt(): void {
  ensureUiBuilt();
  const built = modifiedMs(HOOKD_CLI);
  if (built !== null && BUILD_INPUTS.every((input) => newestMs(join(ROOT, input)) < built)) return;
  console.log('hookd tests: building dist/ (tsc -p tsconfig.build.json): the sources are newer');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status === 0) return;
  // tsc still emits on a type error; tests of what was emitted are still worth running (`npm test`
  // fails on the type error anyway, before vitest starts).
  const output = `${run.stdout}${run.stderr}`;
  if ((modifiedMs(HOOKD_CLI) ?? 0) <= (built ?? 0)) throw new Error(`hookd tests: the build failed:\n${output}`);
  console.warn(`hookd tests: tsc reported errors while building dist/:\n${output}`);
}

/** Builds the dashboard (`vite build`, as `npm run build:ui`) unless dist/ui is newer than ui/. */
function ensureUiBuilt(): void {
  const built = modifiedMs(UI_INDEX);
  if (built !== null && UI_INPUTS.every((input) => newestMs(join(ROOT, input)) < built)) return;
  console.log('hookd tests: building dist/ui (vite build): the dashboard sources are newer');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const run = spawnSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`hookd tests: the dashboard build failed:\n${run.stdout}${run.stderr}`);
}

function modifiedMs(path: string): number | null {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? null;
}

/** The latest modification time of a file, or of any file under a directory (0 if absent). */
function newestMs(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file shows as the directory's own change
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMs(join(path, entry)));
  return newest;
}
