import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The slow tier: test files that start llama.cpp or Chromium, or run the built CLI (dist/) in its own process.
 * Every test file not listed here is in the fast tier (`npm run test:fast`); `npm test` builds once and runs both.
 */
const SLOW = [
  // llama.cpp engines serving tiny GGUF models
  'test/engine/**/*.test.ts',
  // the HTML report in Chromium (playwright-core)
  'test/report/html-browser.test.ts',
  // the built CLI in child processes: locks, kills and resumes across processes
  'test/cli/index-lock.test.ts',
  'test/cli/run-lock.test.ts',
  'test/targets/http/identify-openai.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/helpers/shared-tokenizers.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Most files wait on loopback servers, child processes or engines, so three workers keep two cores busy.
    maxWorkers: 3,
    // A worker keeps the modules it loaded between files, so the committed references, the count index and the
    // tokenizers built by tests/helpers/shared-tokenizers.ts are built once per worker rather than once per file.
    isolate: false,
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW] },
      },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
