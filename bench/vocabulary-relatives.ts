import type { Tokenizer } from '../src/references/tokenizer.js';

/**
 * When one vocabulary is the other extended or pruned: the larger holds this share of the smaller (by token
 * bytes) and is at most SIZE_RATIO times its size. cl100k lies whole inside Llama 3 (1.28x) and 98.9% inside
 * Qwen2 (1.5x), both grown from it; r50k inside p50k; Baichuan 1 99.8% inside Baichuan 2 (1.96x). Without the
 * size bound any small vocabulary would be kin to a large one: 97.9% of Mistral v1's 32k tokens are in
 * Gemma 3's 262k, which no one built from it.
 */
export const RELATIVE_SHARE = 0.98;
export const SIZE_RATIO = 2;

const vocabularies = new WeakMap<Tokenizer, Set<string>>();

/** Every ordinary token's bytes (hex), control tokens left out; worked out once per tokenizer. */
function vocabulary(tokenizer: Tokenizer): Set<string> {
  let tokens = vocabularies.get(tokenizer);
  if (!tokens) {
    const special = new Set(tokenizer.specialTokens.map((t) => t.id));
    tokens = new Set<string>();
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (special.has(id)) continue;
      const bytes = tokenizer.tokenBytes(id);
      if (bytes?.length) tokens.add(Buffer.from(bytes).toString('hex'));
    }
    vocabularies.set(tokenizer, tokens);
  }
  return tokens;
}

/** How much of the smaller of two vocabularies the larger holds, from 0 to 1, and how many times larger it is. */
export function sharedShare(a: Tokenizer, b: Tokenizer): { share: number; ratio: number } {
  const [small, large] = [vocabulary(a), vocabulary(b)].sort((x, y) => x.size - y.size);
  if (!small.size) return { share: 0, ratio: Infinity };
  let shared = 0;
  for (const token of small) if (large.has(token)) shared++;
  return { share: shared / small.size, ratio: large.size / small.size };
}

export interface Relative {
  id: string;
  share: number;
}

/**
 * The candidates whose vocabulary and the target's are one another extended or pruned (RELATIVE_SHARE), best
 * first: for such a target a `derived` verdict naming one of them is right, not a miss.
 */
export function vocabularyRelatives(
  target: Tokenizer,
  candidates: readonly { id: string; tokenizer: Tokenizer }[],
): Relative[] {
  return candidates
    .map((c) => ({ id: c.id, ...sharedShare(target, c.tokenizer) }))
    .filter((r) => r.share >= RELATIVE_SHARE && r.ratio <= SIZE_RATIO)
    .map(({ id, share }) => ({ id, share }))
    .sort((a, b) => b.share - a.share);
}
