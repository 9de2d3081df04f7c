import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The slow tier. Every test file not listed here is in the fast tier (`npm run test:fast`), so a new file is fast
 * unless it is added below; `npm test` builds once and runs both tiers. A file belongs here when it starts llama.cpp
 * or Chromium, runs the built CLI (dist/) in its own process, or takes minutes on two cores (measured with
 * `vitest run --reporter=json`): whole CLI runs that build many references, or every reference checked in turn.
 */
const SLOW = [
  // llama.cpp engines serving tiny GGUF models
  'test/engine/**/*.test.ts',
  // the HTML report in Chromium (playwright-core)
  'test/report/html-browser.test.ts',
  // the built CLI in child processes: locks, kills and resumes across processes
  'test/cli/index-lock.test.ts',
  'test/cli/run-lock.test.ts',
  'test/cli/activations-runtime-missing.test.ts',
  'test/targets/http/identify-openai.test.ts',
  'test/cli/progress-pty.test.ts',
  // whole identify runs per API, secret form or answer channel, each building its leading references
  'test/targets/http/secrets-cli.test.ts',
  'test/scoring/channels/count-channels-alone.test.ts',
  'test/scoring/channels/prompt-channel.test.ts',
  'test/cli/identify-white-box.test.ts',
  'test/cli/tokenizer-validation.test.ts',
  'test/cli/compare.test.ts',
  // every committed reference (or many) loaded, converted or compared in turn
  'test/references/verify-hf-json.test.ts',
  'test/references/llama-cpp-vocabs.test.ts',
  'test/references/formats/gguf.test.ts',
  'test/references/compare.test.ts',
  'test/references/index-build.test.ts',
  'test/signatures/count-signatures.test.ts',
  // the prefilter's bounds checked on many random and near-identical indexes
  'test/scoring/batch/prefilter.test.ts',
  // the package as a user gets it: npm pack of the built tree (needs dist/, which the fast tier does not build)
  'test/packed-package.test.ts',
  // over 30 s each on two cores: channel replays and repeat cuts across references, unstable counts per API,
  // vocabularies pruned and extended, user indexes rebuilt, tokenizer files read in every hostile form
  'test/scoring/channels/repeat-cut.test.ts',
  'test/scoring/channels/answer-length.test.ts',
  'test/scoring/channels/rescore-channels.test.ts',
  'test/cli/unstable-usage.test.ts',
  'test/targets/vocabulary-changes.test.ts',
  'test/cli/tokenizer-file-reads.test.ts',
  'test/cli/refs-build-user.test.ts',
  // npm pack of node-llama-cpp (35 MB) and git clones of the llama.cpp bundle it ships
  'test/cli/refs-pull-llama-cpp.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/helpers/shared-tokenizers.ts'],
    // A file's first CLI run builds its references cold: over two minutes on a busy two-core machine.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Most files wait on loopback servers, child processes or engines, so three workers keep two cores busy.
    maxWorkers: 3,
    // A worker keeps the modules it loaded between files, so the committed references, the count index and the
    // tokenizers built by test/helpers/shared-tokenizers.ts are built once per worker rather than once per file.
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
