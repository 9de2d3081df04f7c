import type { TargetRequest, TargetResponse, TokenUsage } from '../targets/target.js';
import { UserError } from '../util/errors.js';
import type { Verdict } from './verdict.js';

/** The flag a verdict carries when the billed counts could not be read at all. */
export const USAGE_COUNT_IMPOSSIBLE = 'usage-count-impossible';
/** The flag a verdict carries when identical requests were billed different counts. */
export const USAGE_COUNT_UNSTABLE = 'usage-count-unstable';

/**
 * The target's answers cannot be used: its billed counts are impossible and no other channel is read, or an
 * answer broke the API's contract (far longer than max_tokens). Continuing the run would only read the same answers.
 */
export class UnusableAnswerError extends UserError {
  constructor(message: string) {
    super(message, { exitCode: 3 });
    this.name = 'UnusableAnswerError';
  }
}

/** A count as written in a message: big, fractional or negative numbers stay short (no 309-digit numbers). */
function shown(value: unknown): string {
  if (typeof value !== 'number') return JSON.stringify(value) ?? String(value);
  if (Number.isSafeInteger(value)) return String(value);
  return Number.isFinite(value) && Math.abs(value) < 1e6 ? String(value) : value.toPrecision(3);
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Characters of the prompt a request sends: the text its billed prompt count must grow with. */
export function promptLength(request: TargetRequest): number {
  return request.messages.reduce((sum, m) => sum + [...m.content].length, 0);
}

/** Why a billed prompt count cannot be a real one, or undefined when it can. */
export function impossiblePromptCount(usage: TokenUsage, request: TargetRequest, seq: number): string | undefined {
  const count = usage.promptTokens as unknown;
  if (!isCount(count))
    return `request ${seq} was billed ${shown(count)} prompt tokens, not a whole number from 0 to 2^53-1`;
  if (count === 0 && promptLength(request) > 0)
    return `request ${seq} was billed 0 prompt tokens for a prompt of ${promptLength(request)} characters`;
  return undefined;
}

/** UTF-8 bytes of prompt a request sends: no tokenizer bills more than about one token per byte of text it adds. */
export function promptBytes(request: TargetRequest): number {
  return request.messages.reduce((sum, m) => sum + Buffer.byteLength(m.content, 'utf8'), 0);
}

/** How many characters of prompt a longer request must add before its count must grow, and by at least one token per this many. */
export const MOVE = { minChars: 200, charsPerToken: 32 };

/**
 * The most a request may be billed over the bare frame per byte it adds, plus a few tokens of slack: a byte-level
 * or byte-fallback tokenizer bills at most one token per byte, and twice that leaves room for normalizers that expand text.
 */
export const GROWTH_CAP = { tokensPerByte: 2, slack: 16 };

/**
 * Why counts that do not move with the prompt cannot be real: a request `MOVE.minChars` or more characters
 * longer than the shortest one (the bare frame, whose text every pack holds) must be billed at least one
 * token more per `MOVE.charsPerToken` characters it adds (real text averages 1 to 6 characters a token).
 */
export function staticPromptCounts(
  answers: readonly { seq: number; chars: number; bytes?: number; promptTokens: number }[],
): string | undefined {
  const shortest = answers.reduce<(typeof answers)[number] | undefined>(
    (best, a) => (!best || a.chars < best.chars ? a : best),
    undefined,
  );
  if (!shortest) return undefined;
  for (const b of answers) {
    const over = overgrownCount(shortest, b);
    if (over) return over;
    const added = b.chars - shortest.chars;
    if (added < MOVE.minChars) continue;
    const grew = b.promptTokens - shortest.promptTokens;
    if (grew < added / MOVE.charsPerToken) {
      const moved = grew === 0 ? 'the same count' : `${Math.abs(grew)} tokens ${grew > 0 ? 'more' : 'fewer'}`;
      return `request ${b.seq} is ${added} characters longer than request ${shortest.seq} but was billed ${moved} (${shortest.promptTokens} and ${b.promptTokens})`;
    }
  }
  return undefined;
}

/**
 * Why request `b` was billed more over `shortest` than any tokenizer bills for the bytes it adds (see GROWTH_CAP),
 * or undefined.
 */
export function overgrownCount(
  shortest: { seq: number | string; bytes?: number; promptTokens: number },
  b: { seq: number | string; bytes?: number; promptTokens: number },
): string | undefined {
  const addedBytes = b.bytes !== undefined && shortest.bytes !== undefined ? b.bytes - shortest.bytes : undefined;
  if (
    addedBytes === undefined ||
    addedBytes < 0 ||
    b.promptTokens - shortest.promptTokens <= GROWTH_CAP.tokensPerByte * addedBytes + GROWTH_CAP.slack
  )
    return undefined;
  return `request ${b.seq} adds ${addedBytes} bytes to request ${shortest.seq} but was billed ${b.promptTokens - shortest.promptTokens} tokens more (${shortest.promptTokens} and ${b.promptTokens}), more than any tokenizer bills for that text`;
}

/** Output a reply may be billed beyond max_tokens before it is a protocol violation rather than a rounding. */
const OUTPUT_SLACK = 16;

/**
 * Throws when an answer is far longer than its request's max_tokens allows (billed output or text): such an
 * answer breaks the API's contract and is not used as evidence.
 */
export function checkAnswerLength(response: TargetResponse, request: TargetRequest, seq: number): void {
  const max = request.maxOutputTokens;
  if (max === undefined) return;
  const completion = response.usage?.completionTokens as unknown;
  if (completion !== undefined && !isCount(completion)) {
    throw new UnusableAnswerError(
      `request ${seq}: the target billed ${shown(completion)} output tokens, not a whole number from 0 to 2^53-1; the answer is not used`,
    );
  }
  if (typeof completion === 'number' && completion > 2 * max + OUTPUT_SLACK) {
    throw new UnusableAnswerError(
      `request ${seq}: the target billed ${completion} output tokens for max_tokens ${max}, a protocol violation; the answer is not used`,
    );
  }
  // a token is rarely longer than 64 characters; far longer text was not cut at max_tokens (an echo holds the prompt too)
  const text = response.text?.length ?? 0;
  if (text > promptLength(request) + 64 * (2 * max + OUTPUT_SLACK)) {
    throw new UnusableAnswerError(
      `request ${seq}: the target answered ${text} characters for max_tokens ${max}, a protocol violation; the answer is not used`,
    );
  }
}

/** Why the billed counts are unstable, when the bare frame was billed differently when asked again; else undefined. */
export function unstableCounts(first: number, again: unknown, request = 'the bare frame'): string | undefined {
  if (again === first) return undefined;
  return `the target billed ${first} and then ${shown(again)} prompt tokens for the same request (${request}, asked twice); its counts are unstable, so they cannot name a tokenizer`;
}

/** The verdict of a run whose billed counts are unstable and that reads nothing else. */
export function unstableVerdict(): Verdict {
  return {
    status: 'inconclusive',
    reference: null,
    class: [],
    family: null,
    models: [],
    confidence: 0,
    flags: [USAGE_COUNT_UNSTABLE],
  };
}

/** The one line saying the usage channel is unreadable. */
export function unreadableUsage(reason: string): string {
  return `the target's billed prompt counts are impossible: ${reason}; the usage channel cannot be read`;
}
