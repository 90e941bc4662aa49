import { defineConfig } from "vitest/config";

// No React plugin: Vite's own transform (Oxc) compiles TSX with React's
// automatic JSX runtime, which is all this app needs (no fast refresh).
export default defineConfig({
  oxc: {
    jsx: { runtime: "automatic" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // Never inline assets as data: URLs or modules into index.html, so the
    // page works under a strict Content-Security-Policy.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` talks to a running stack (deploy/stack up) for /api.
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
