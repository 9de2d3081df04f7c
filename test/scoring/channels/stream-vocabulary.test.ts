import { beforeAll, describe, expect, it } from 'vitest';
import { committedIndexDir } from '../../../src/references/catalog.js';
import type { Tokenizer } from '../../../src/references/tokenizer.js';
import type { ChannelObservation, ChannelScore } from '../../../src/scoring/channels/channel.js';
import { streamChannel } from '../../../src/scoring/channels/stream-channel.js';
import { type SignatureGroup, signatureGroups } from '../../../src/scoring/hypotheses.js';
import { readVocabMembership, type VocabMembership } from '../../../src/signatures/vocab-membership-file.js';
import { simAnswer } from '../../../src/targets/sim-answer.js';
import { seededRng } from '../../../src/util/rng.js';
import { committedCountIndex } from '../../helpers/count-index.js';
import { detokenize } from '../../helpers/detokenizing-openai-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

let groups: SignatureGroup[];
let membership: VocabMembership;
beforeAll(async () => {
  groups = signatureGroups(await committedCountIndex());
  membership = (await readVocabMembership(committedIndexDir()))!;
});

const at = (id: string) => groups.findIndex((g) => g.references.includes(id));

/** Streamed answers of a simulated model, `interval` tokens per chunk, billed as it counts them. */
async function simulated(reference: string, interval: number, answers = 3): Promise<ChannelObservation[]> {
  const tokenizer = await committedTokenizer(reference);
  return Array.from({ length: answers }, (_, seq) => {
    const answer = simAnswer(tokenizer, 100 + seq, 32, { streamInterval: interval });
    return {
      seq,
      text: answer.text,
      chunks: answer.chunks,
      maxOutputTokens: 32,
      completionTokens: answer.completionTokens,
    };
  });
}

function score(observations: ChannelObservation[], encoders: ReadonlyMap<number, Tokenizer> = new Map()): ChannelScore {
  const result = streamChannel.score!(observations, { groups, membership, encoder: (g) => encoders.get(g) });
  expect(result).toBeDefined();
  return result!;
}

/** Each group's share of the score alone (match and derived), with a flat prior. */
function shares(s: { match: number[]; derived: number[] }): number[] {
  const top = Math.max(...s.match, ...s.derived);
  const w = s.match.map((m, g) => Math.exp(m - top) + Math.exp(s.derived[g] - top));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** Indexed references in other classes with the very same vocabulary (the same token strings at the same ids). */
const SAME_VOCABULARY: Record<string, string[]> = { 'qwen2.5': ['qwen3.5-split'] };

describe('the stream channel without any reference encoder loaded', () => {
  it.each([
    ['yi', 2],
    ['qwen2.5', 4],
    ['llama2', 1],
    ['o200k', 3],
  ])('%s, %i tokens per chunk: every group scored, the true one leads', async (reference, interval) => {
    const s = score(await simulated(reference, interval));
    expect(s.unscored ?? []).not.toContain(true);
    for (const m of s.match) expect(Number.isFinite(m)).toBe(true);
    const share = shares(s);
    // pieces alone cannot part references with one vocabulary: qwen3.5-split is Qwen2's vocabulary under another split
    const twins = SAME_VOCABULARY[reference] ?? [];
    const together = [reference, ...twins].reduce((sum, id) => sum + share[at(id)], 0);
    expect(together).toBeGreaterThan(0.9);
    for (const id of twins) expect(Math.abs(share[at(id)] - share[at(reference)])).toBeLessThan(0.05);
  });

  it('a vocabulary finer than the true one cannot spell its chunks as batches: ruled out', async () => {
    // o200k chunks, one token each: many are no single cl100k entry
    const s = score(await simulated('o200k', 1));
    const ruling = shares(s.ruling!);
    expect(ruling[at('cl100k')]).toBeLessThan(0.001);
    expect(ruling[at('o200k')]).toBeGreaterThan(0.5);
  });
});

describe('canonical segmentation, where an encoder is loaded, as soft evidence', () => {
  it('a model emitting non-canonical token sequences is not ruled out by it', async () => {
    const tokenizer = await committedTokenizer('llama3');
    // words emitted in two pieces (" fi" + "ngerprint"), streamed one token per chunk: the text re-encodes otherwise
    const rng = seededRng(5);
    const split = (word: string) => [...tokenizer.encode(` ${word.slice(0, 2)}`), ...tokenizer.encode(word.slice(2))];
    const observations: ChannelObservation[] = Array.from({ length: 3 }, (_, seq) => {
      const ids = Array.from({ length: 16 }, () => split(rng.pick(WORDS))).flat();
      const chunks = detokenize(tokenizer, ids, 1).map((c) => c.text);
      return { seq, text: chunks.join(''), chunks, maxOutputTokens: 64 };
    });
    for (const o of observations) expect(tokenizer.encode(o.text).length).toBeLessThan(o.chunks!.length - 8);
    const others = ['o200k', 'qwen2.5', 'llama2'];
    const encoders = new Map([[at('llama3'), tokenizer]]);
    // with its encoder alone loaded, and with others' too: never ruled out, and first among those compared
    expect(shares(score(observations, encoders).ruling!)[at('llama3')]).toBeGreaterThan(0.01);
    for (const id of others) encoders.set(at(id), await committedTokenizer(id));
    const s = score(observations, encoders);
    expect(shares(s.ruling!)[at('llama3')]).toBeGreaterThan(0.01);
    for (const id of others) expect(s.match[at('llama3')]).toBeGreaterThan(s.match[at(id)]);
  });

  it('separates a coarser vocabulary that holds every chunk from the true one, once both are loaded', async () => {
    // cl100k tokens one per chunk: llama3 holds them all, but its own segmentation merges some
    const observations = await simulated('cl100k', 1, 6);
    const encoders = new Map([
      [at('cl100k'), await committedTokenizer('cl100k')],
      [at('llama3'), await committedTokenizer('llama3')],
    ]);
    const s = score(observations, encoders);
    expect(s.match[at('cl100k')]).toBeGreaterThan(s.match[at('llama3')]);
  });
});

const WORDS = ['tokenizer', 'streaming', 'fingerprint', 'unbelievable', 'counted', 'language', 'through'];
