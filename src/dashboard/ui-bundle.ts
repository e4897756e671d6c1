import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built browser app: `vite build` writes it here (`npm run build:ui`, part of `npm install`). */
export const UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** One file of the bundle, as served. */
export interface UiFile {
  body: Buffer;
  contentType: string;
  /** Content-hashed names under `assets/` never change: cached for a year. */
  immutable: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Reads the whole bundle into memory once (a few files, ~100 KiB): served from memory, with no
 * path from a request ever touching the file system. Keys are URL paths (`/assets/index-3f2a.js`).
 * Returns null when the bundle was not built.
 */
export function loadUiBundle(dir: string = UI_DIR): Map<string, UiFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, UiFile>();
  for (const path of walk(dir)) {
    const urlPath = `/${relative(dir, path).split(sep).join('/')}`;
    files.set(urlPath, {
      body: readFileSync(path),
      contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return files;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
