import type { Tokenizer } from '../references/tokenizer.js';
import { seededRng } from '../util/rng.js';

/** What a product puts into its hidden prompt afresh on every request. */
export const VARYING_KINDS = ['clock', 'id', 'paragraph'] as const;
export type VaryingKind = (typeof VARYING_KINDS)[number];

export interface VaryingPromptSpec {
  kind: VaryingKind;
  /** How far the live part's count moves between requests, in tokens either side (ignored by the clock). */
  spread: number;
  /** The chance per request of a large block (a retrieved memory of 40-200 tokens) on top. */
  jumps: number;
  seed: number;
}

/** Spread each kind gets when none is given: an id moves a couple of tokens, a paragraph a few more. */
export const DEFAULT_SPREAD: Record<VaryingKind, number> = { clock: 1, id: 2, paragraph: 5 };

const JUMP_TOKENS = { min: 40, max: 200 };
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const WORDS = (
  'the customer asked about delivery times for the order placed last week and we promised an update ' +
  'our records show two open tickets one about billing and one about a missing item in the parcel ' +
  'remember that the user prefers short answers in plain language and dislikes marketing phrases ' +
  'earlier today the user mentioned a trip to Lisbon in spring and asked for hotel suggestions near the river'
).split(' ');

/**
 * The live part of a hidden system prompt, drawn afresh for each request from a seeded generator: a clock to
 * the second, a request id of random length, or a paragraph of random length, each about `spread` tokens
 * either side of its middle length as `tokenizer` counts them, with the occasional large jump.
 */
export function varyingPrompt(spec: VaryingPromptSpec, tokenizer: Tokenizer): () => string {
  const rng = seededRng(spec.seed ^ 0x5bd1e995);
  const count = (text: string) => tokenizer.encode(text).length;
  // words appended, or characters of an id, until the text holds `tokens` tokens
  const grown = (tokens: number, piece: () => string, join: string): string => {
    let text = '';
    while (count(text) < tokens) text = text ? `${text}${join}${piece()}` : piece();
    return text;
  };
  let clock = Date.UTC(2026, 0, 1) + rng.int(0, 300 * 86_400) * 1000;
  return () => {
    let live: string;
    if (spec.kind === 'clock') {
      clock += rng.int(1, 90) * 1000;
      live = `Current date and time: ${new Date(clock).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    } else if (spec.kind === 'id') {
      live = `Request id: ${grown(1 + rng.int(0, 2 * spec.spread), () => BASE36[rng.int(0, 35)], '')}`;
    } else {
      live = `Notes: ${grown(rng.int(0, 2 * spec.spread), () => rng.pick(WORDS), ' ')}`;
    }
    if (spec.jumps > 0 && rng.next() < spec.jumps) {
      const memory = grown(rng.int(JUMP_TOKENS.min, JUMP_TOKENS.max), () => rng.pick(WORDS), ' ');
      live = `${live}\nRetrieved memory: ${memory}`;
    }
    return live;
  };
}
