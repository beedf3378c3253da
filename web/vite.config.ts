/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Built into Netra.Server's static files and served at /app/ (hash routing: no server fallback needed).
// No @vitejs/plugin-react: esbuild compiles JSX with the automatic runtime on its own.
export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../Netra.Server/wwwroot/app',
    emptyOutDir: true,
    rollupOptions: {
      // @microsoft/signalr ships /*#__PURE__*/ comments Rollup cannot place; harmless, and noisy.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:5080',
      '/ws': { target: 'http://127.0.0.1:5080', ws: true },
      // Attachments (<img src="/uploads/...">) come from the server too.
      '/uploads': 'http://127.0.0.1:5080',
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
