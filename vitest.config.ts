import { defineConfig } from 'vitest/config';

/**
 * Two kinds of tests:
 *  - unit: pure code, no I/O, run anywhere in milliseconds;
 *  - integration: real processes, real SQLite files, real WebSockets and the
 *    real Synapse test homeserver (test/setup/homeserver.ts starts it).
 * End-to-end tests in Chromium are Playwright's (playwright.config.ts).
 */
export default defineConfig({
  test: {
    reporters: ['verbose'],
    // matrix-js-sdk's MatrixRTC module logs call-membership checks for every room at info level.
    onConsoleLog: (log) => !log.includes('[MatrixRTCSession'),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{shared,sync-server,desktop,build}/test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{sync-server,desktop,build}/test/integration/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/homeserver.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: integration tests start servers of their own; running files one at a time keeps timings honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
