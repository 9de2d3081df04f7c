import { describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../src/references/load-reference.js';
import { cacheDir } from '../../src/references/store/cache-dir.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { identify } from '../../src/run/driver.js';
import { DEFAULT_BUDGET } from '../../src/scoring/identify.js';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { simulatedTarget } from '../../src/targets/sim-target.js';
import { hiddenSystemPrompt } from '../../src/targets/system-prompts.js';
import { varyingPrompt } from '../../src/targets/varying-prompt.js';
import { applyVocabularyChanges } from '../../src/targets/vocabulary-changes.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';
import { committedEntry, committedTokenizer } from '../helpers/manifest-references.js';

/** A product on `tokenizer` whose hidden prompt ends with a request id 0-2 tokens long, set up as the noise bench does. */
async function runThroughRequestIds(
  tokenizer: Tokenizer,
  setup: { template: string; systemChars: number; seed: number },
) {
  const target = simulatedTarget({
    id: 'sim:noise',
    description: 'sim:noise',
    tokenizer,
    template: chatTemplate(setup.template),
    hiddenSystemPrompt: hiddenSystemPrompt(setup.systemChars, seededRng(setup.seed)),
    varyingPrompt: varyingPrompt({ kind: 'id', spread: 2, jumps: 0, seed: setup.seed }, tokenizer),
  });
  return identify({ target, index: await committedCountIndex(), budget: DEFAULT_BUDGET, rng: seededRng(setup.seed) });
}

describe('a match under a hidden prompt that moves per request', () => {
  it('is not given to another family that fits two packs within a token while the changed right one strays', async () => {
    // InternLM2 re-split at punctuation: with 26 references indexed, claude-legacy fitted its frame, first pack and
    // edge check within a token (0, +1, -1 at a measured spread of 1) and was named a match at 0.998 after four
    // requests; the larger index leads this run elsewhere, but the rule it tests is the same
    const entry = committedEntry('internlm2');
    const files = await fetchReferenceFiles(entry, { cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir() });
    const base = await committedTokenizer('internlm2');
    const changed = applyVocabularyChanges(files, base, [{ kind: 'pre-tokenizer', split: 'punctuation' }]);
    const result = await runThroughRequestIds(changed, { template: 'gemma', systemChars: 3720, seed: 296831 });
    expect(result.noise?.spread).toBeGreaterThan(0);
    const { status, family } = result.verdict;
    if (status === 'match' || status === 'derived') expect(family).toBe(entry.family);
    expect(result.verdict.reference).not.toBe('claude-legacy');
  });

  it('still names the unchanged tokenizer a match once its rival family is set apart', async () => {
    const result = await runThroughRequestIds(await committedTokenizer('internlm2'), {
      template: 'chatml',
      systemChars: 787,
      seed: 458705,
    });
    expect(result.verdict.status).toBe('match');
    expect(result.verdict.family).toBe(committedEntry('internlm2').family);
    expect(result.queries).toBeLessThanOrEqual(4);
  });
});
