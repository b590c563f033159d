// Vite builds the application into static files that accordd serves (docs/web.md). JSX is
// compiled by esbuild for Preact; no inline script or style is emitted, as the server's
// Content-Security-Policy requires.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.ACCORD_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
  server: { proxy: { '/api': { target: process.env.ACCORD_URL || 'http://127.0.0.1:8080', ws: true } } },
});
