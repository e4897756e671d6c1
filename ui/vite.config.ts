import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard and app portal: a Preact app built into `dist/ui`, which hookd serves (see
 * src/dashboard/dashboard-face.ts). No inline script or style in the output, for the strict CSP.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // A data: URL would need `img-src data:` for fonts and scripts too; keep every asset a file.
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
