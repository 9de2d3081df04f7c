import type { Tokenizer } from '../references/tokenizer.js';
import { seededRng, type Rng } from '../util/rng.js';
import type { LogprobToken } from './target.js';

/** How a simulated server shapes its answers. */
export interface SimAnswerOptions {
  /** Tokens sent per streamed chunk, as vLLM's `--stream-interval` batches them. */
  streamInterval?: number;
  /** Alternatives listed beside each logprob token. */
  topLogprobs?: number;
}

/** The end-of-turn token a server bills beside an answer that ended on its own. */
export const END_OF_TURN_TOKENS = 1;

export interface SimAnswer {
  text: string;
  ids: number[];
  chunks: string[];
  logprobTokens: LogprobToken[];
  completionTokens: number;
  /** Cut at `max_tokens` rather than ended by the model. */
  truncated: boolean;
}

const strict = new TextDecoder('utf-8', { fatal: true });
// Pieces that would read as markup or a control token once re-encoded, or hold control characters.
const UNSAFE = /[<>[\]\p{Cc}\p{Cf}\p{Co}\p{Cs}\ufffd]/u;

/** A vocabulary entry that is whole UTF-8 text a model could say; undefined otherwise. */
function sayable(tokenizer: Tokenizer, id: number): string | undefined {
  const bytes = tokenizer.tokenBytes(id);
  if (!bytes?.length) return undefined;
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return undefined;
  }
  return UNSAFE.test(text) || !text.trim() ? undefined : text;
}

function sampleId(tokenizer: Tokenizer, rng: Rng): number {
  const special = new Set(tokenizer.specialTokens.map((t) => t.id));
  for (let attempt = 0; attempt < 200; attempt++) {
    const id = rng.int(0, tokenizer.vocabSize - 1);
    if (!special.has(id) && sayable(tokenizer, id) !== undefined) return id;
  }
  return tokenizer.encode(' the')[0];
}

/**
 * Tokens as a server streams them: `interval` tokens per chunk, and never a chunk that ends inside a
 * character (its bytes wait for the rest). The answer starts on a word, so a leading space is SentencePiece's.
 */
function streamPieces(tokenizer: Tokenizer, ids: readonly number[], interval: number): string[] {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const chunks: string[] = [];
  let pending = '';
  ids.forEach((id, i) => {
    let bytes = tokenizer.tokenBytes(id) ?? new Uint8Array();
    if (i === 0 && bytes[0] === 0x20) bytes = bytes.subarray(1);
    pending += decoder.decode(bytes, { stream: true });
    if (pending && ((i + 1) % interval === 0 || i === ids.length - 1)) {
      chunks.push(pending);
      pending = '';
    }
  });
  pending += decoder.decode();
  if (pending) chunks.push(pending);
  return chunks;
}

function logprobToken(tokenizer: Tokenizer, id: number, logprob: number): LogprobToken {
  const bytes = tokenizer.tokenBytes(id) ?? new Uint8Array();
  return { token: Buffer.from(bytes).toString('utf8'), bytes: [...bytes], logprob };
}

/**
 * A generated answer, the same for the same seed: vocabulary pieces sampled and spelled out, then
 * tokenized as the model's own tokenizer would emit them. Its length is drawn around `maxTokens`, so
 * about two answers in three are cut there (billed exactly `maxTokens`, no end-of-turn) and the others end
 * on their own (billed their tokens plus the end-of-turn token).
 */
export function simAnswer(
  tokenizer: Tokenizer,
  seed: number,
  maxTokens: number,
  options: SimAnswerOptions = {},
): SimAnswer {
  const rng = seededRng(seed);
  const want = rng.int(Math.max(1, Math.ceil(maxTokens / 2)), Math.max(1, 2 * maxTokens));
  // An answer starts on a word, as a model's does; SentencePiece then spells a space the text lacks.
  const spoken = Array.from({ length: want }, () => sayable(tokenizer, sampleId(tokenizer, rng))!)
    .join('')
    .trimStart();
  const all = tokenizer.encode(spoken);
  const truncated = all.length > maxTokens;
  const ids = truncated ? all.slice(0, maxTokens) : all;
  const chunks = streamPieces(tokenizer, ids, Math.max(1, options.streamInterval ?? 1));
  const top = options.topLogprobs ?? 3;
  const logprobTokens = ids.map((id) => ({
    ...logprobToken(tokenizer, id, -rng.next()),
    alternatives: Array.from({ length: top }, () =>
      logprobToken(tokenizer, sampleId(tokenizer, rng), -1 - 4 * rng.next()),
    ),
  }));
  return {
    text: chunks.join(''),
    ids,
    chunks,
    logprobTokens,
    completionTokens: truncated ? maxTokens : ids.length + END_OF_TURN_TOKENS,
    truncated,
  };
}
