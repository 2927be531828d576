import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "~": path.resolve(import.meta.dirname, "app") } },
  test: {
    include: ["{app,server,prisma,test}/**/*.test.{ts,tsx}"],
    exclude: ["node_modules/**", "test/e2e/**", "prisma/generated/**"],
    globalSetup: ["test/global-setup.ts"],
    setupFiles: ["test/database-per-file.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
