import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const fromHere = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The SPA is static files: `dist/apps/web` is what the deployment uploads to S3 behind CloudFront.
 * Runtime settings (API and WebSocket URLs) are not baked in: the app fetches `/config.json`.
 */
export default defineConfig({
  root: fromHere('.'),
  cacheDir: fromHere('../../node_modules/.vite/apps/web'),
  plugins: [react()],
  resolve: {
    alias: {
      // The shared lib is TypeScript source, compiled with the app (and tree-shaken with it).
      '@lgm/contracts': fromHere('../../libs/contracts/src/index.ts'),
    },
  },
  server: { port: 4200, host: '127.0.0.1' },
  preview: { port: 4300, host: '127.0.0.1' },
  build: {
    outDir: fromHere('../../dist/apps/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Maps for debugging and error reporting, not referenced from the served files.
    sourcemap: 'hidden',
    // Hashed file names under assets/ can be cached forever by CloudFront; index.html cannot.
    assetsDir: 'assets',
    // Report sizes ourselves (scripts/report-bundle.mjs) against the 200 KB gzipped budget.
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across deploys.
        // Routes added later should be `lazy(() => import(...))` so they stay out of the entry.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'zod', test: /node_modules[\\/]zod[\\/]/ },
          ],
        },
      },
    },
  },
});
