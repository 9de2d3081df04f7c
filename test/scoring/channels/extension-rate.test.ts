import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchReferenceFiles } from '../../../src/references/load-reference.js';
import { cacheDir } from '../../../src/references/store/cache-dir.js';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import { CHANGE_UNSEEN, changedVocabulary } from '../../../src/scoring/channels/extension-rate.js';
import { tellsNothing } from '../../../src/scoring/channels/token-kinds.js';
import { chatTemplate } from '../../../src/targets/chat-templates.js';
import { applyVocabularyChanges } from '../../../src/targets/vocabulary-changes.js';
import { openAiTestEnv, runCli } from '../../helpers/cli.js';
import { startRecountingServer } from '../../helpers/recounting-openai-server.js';
import { type DetokenizingServerOptions, startDetokenizingServer } from '../../helpers/detokenizing-openai-server.js';
import { committedEntry, committedTokenizer } from '../../helpers/manifest-references.js';

/**
 * A changed vocabulary emits tokens its base lacks at a rate the answers show; tokens its base holds must not
 * outweigh the billed counts' evidence of the change, and an honest server's replaced bytes or control tokens
 * must not read as new tokens.
 */
let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'tokprint-extension-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const ERROR = 0.01;
const match = (lacking: number, seen: number) => lacking * Math.log(ERROR) + (seen - lacking) * Math.log(1 - ERROR);

describe('the rate of tokens a changed vocabulary adds', () => {
  it('costs a change at most its chance of not showing when the base holds every token, however many', () => {
    for (const seen of [10, 300, 5000]) {
      const gap = match(0, seen) - changedVocabulary(0, seen, ERROR);
      expect(gap).toBeGreaterThan(0);
      expect(gap).toBeLessThanOrEqual(-Math.log(CHANGE_UNSEEN) + 1e-9);
    }
  });

  it('favours a change once the share the base lacks is far above a quirk, more with more answers', () => {
    expect(changedVocabulary(8, 288, ERROR) - match(8, 288)).toBeGreaterThan(1);
    expect(changedVocabulary(16, 576, ERROR) - match(16, 576)).toBeGreaterThan(
      changedVocabulary(8, 288, ERROR) - match(8, 288),
    );
    // about one quirk in a hundred tokens is what a match expects: no sign of a change
    expect(changedVocabulary(3, 300, ERROR) - match(3, 300)).toBeLessThan(0.5);
  });

  it('reads replaced bytes and control tokens shown by name as saying nothing, and text tokens as entries', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    for (const s of ['որ\ufffd', '<|eot_id|>', '<｜end▁of▁sentence｜>', '</s>', '<0x0A>', '[INST]'])
      expect(tellsNothing(bytes(s))).toBe(true);
    for (const s of [' the', '辽宁', '<', ' <div', '[1]', 'I']) expect(tellsNothing(bytes(s))).toBe(false);
    // a byte-level token's raw bytes (half a character) are an entry, not a decoder's replacement
    expect(tellsNothing(Uint8Array.from([0xe8, 0xbe]))).toBe(false);
  });
});

type ServerOptions = Omit<DetokenizingServerOptions, 'tokenizer' | 'template'>;

async function identify(tokenizer: Tokenizer, template: string, server: ServerOptions, flags: string[]) {
  const started = await startDetokenizingServer({ tokenizer, template: chatTemplate(template), ...server });
  try {
    const env = openAiTestEnv();
    const args = ['identify', `openai:${started.url}`, '--model', 'm', '--json', '--out', out, '--no-cache', '--quiet'];
    const result = await runCli([...args, ...flags], env);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout).verdict;
  } finally {
    await started.close();
  }
}

async function extended(base: string, donorId: string, count: number): Promise<Tokenizer> {
  const files = await fetchReferenceFiles(committedEntry(base), {
    cacheRoot: process.env.TOKPRINT_CACHE ?? cacheDir(),
  });
  const donor = await committedTokenizer(donorId);
  return applyVocabularyChanges(files, await committedTokenizer(base), [{ kind: 'add-tokens', count, donor, donorId }]);
}

describe('an extended vocabulary behind an OpenAI-compatible server', () => {
  it.each([
    ['default channels', []],
    ['usage and logprobs', ['--channels', 'usage,logprobs', '--logprobs', '5']],
    ['usage and stream', ['--channels', 'usage,stream']],
    ['usage, stream and logprobs', ['--channels', 'usage,stream,logprobs', '--logprobs', '5']],
  ])('llama3 with 3,000 qwen2.5 tokens added reads derived llama3 with %s', async (_, flags) => {
    const verdict = await identify(await extended('llama3', 'qwen2.5', 3000), 'llama3', { tokensPerChunk: 2 }, flags);
    expect(verdict.status).toBe('derived');
    expect(verdict.reference).toBe('llama3');
    expect(verdict.flags ?? []).toEqual([]);
  });
});

describe('an extension whose donor lends most of the tokens seen', () => {
  // Its answers are mostly the donor's tokens: read per base, the tokens seen favour a changed donor, which
  // the counts do not fit; the counts name the base that was changed.
  it.each([
    ['usage and logprobs', ['--channels', 'usage,logprobs', '--logprobs', '5']],
    ['usage, stream and logprobs', ['--channels', 'usage,stream,logprobs', '--logprobs', '5']],
  ])(
    'mistral-v1 with 10,000 deepseek-v3 tokens added: derived mistral-v1, or no verdict with the dispute named (%s)',
    async (_, flags) => {
      const tokenizer = await extended('mistral-v1', 'deepseek-v3', 10_000);
      const verdict = await identify(tokenizer, 'mistral', { tokensPerChunk: 1 }, flags);
      // never the counts set aside as a recount, never another family
      expect(verdict.flags ?? []).not.toContain('usage-count-inconsistent');
      if (verdict.status === 'inconclusive') expect(verdict.flags).toEqual(['seen-tokens-disputed']);
      else {
        expect(verdict.status).toBe('derived');
        expect(verdict.reference).toBe('mistral-v1');
      }
    },
  );
});

describe('a provider billing with a changed copy of another tokenizer', () => {
  // Counts of a changed copy beside tokens another vocabulary holds unchanged look like an honest extension whose
  // tokens a larger vocabulary happens to hold: never a confident reading of the billing tokenizer.
  it('serving qwen2.5 and billing with llama3 extended by 3,000 tokens names no llama3', async () => {
    const server = await startRecountingServer({
      model: await committedTokenizer('qwen2.5'),
      billing: await extended('llama3', 'qwen2.5', 3000),
      template: chatTemplate('chatml'),
    });
    try {
      const env = openAiTestEnv();
      for (const channels of ['usage,logprobs', 'usage,stream,logprobs']) {
        const args = ['identify', `openai:${server.url}`, '--model', 'm', '--json', '--out', out, '--no-cache'];
        const result = await runCli([...args, '--quiet', '--channels', channels, '--logprobs', '5'], env);
        expect(result.stderr).toBe('');
        const verdict = JSON.parse(result.stdout).verdict;
        expect(verdict.family).not.toBe('llama3');
        if (verdict.status !== 'inconclusive') expect(verdict.flags).toContain('usage-count-inconsistent');
      }
    } finally {
      await server.close();
    }
  });
});

describe('honest servers stay a match with no flag', () => {
  it.each([
    ['deepseek-v3', 'chatml', 1, []],
    ['deepseek-v3', 'chatml', 4, ['--channels', 'usage,logprobs', '--stream']],
    ['yi', 'chatml', 1, []],
    ['llama2', 'mistral', 3, []],
    ['llama3', 'llama3', 2, ['--channels', 'usage,stream,logprobs', '--logprobs', '5']],
  ])('%s (%s template, %i tokens per chunk), %j', async (reference, template, tokensPerChunk, flags) => {
    const verdict = await identify(await committedTokenizer(reference), template, { tokensPerChunk }, flags);
    expect(verdict.status).toBe('match');
    expect(verdict.class).toContain(reference);
    expect(verdict.flags ?? []).toEqual([]);
  });
});
