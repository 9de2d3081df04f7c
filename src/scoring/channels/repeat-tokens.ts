import type { Tokenizer } from '../../references/tokenizer.js';
import type { ChannelContext, ChannelObservation } from './channel.js';
import { renderedInContext, rendersPartsAsNothing } from './in-context-rendering.js';
import type { RepeatProbe } from './repeat-cut.js';

/** Chance that a model saying a text back emits tokens other than its tokenizer's own encoding of it. */
const SLIP = 0.03;
/** An unindexed tokenizer's tokens agree with the seen ones about this often (a few plausible segmentations). */
const UNKNOWN_SAME = 0.25;
const SPACE = 0x20;

type Repeated = ChannelObservation & { repeat: RepeatProbe; tokens: NonNullable<ChannelObservation['tokens']> };

const decoder = new TextDecoder();

/** A repeat answer that lists its tokens and said back a prefix of the text (a slip of the text says nothing). */
function repeated(o: ChannelObservation): o is Repeated {
  if (!o.repeat || !o.tokens?.length) return false;
  const said = o.text.trimStart();
  return said.length > 0 && o.repeat.source.trimStart().startsWith(said);
}

/**
 * Each token as a server that decodes it alone shows it, so raw bytes and rendered strings compare alike: half a
 * character is a replacement character on either side. A first token's word-initial space is SentencePiece's
 * dummy prefix, which a server may drop.
 */
function spelled(tokens: readonly Uint8Array[]): string[] {
  return tokens.map((t, i) => decoder.decode(i === 0 && t[0] === SPACE ? t.subarray(1) : t));
}

/** In-context rendering, with a first token's word-initial space dropped as `spelled` drops it. */
function inContext(tokens: readonly Uint8Array[]): string[] {
  const shown = renderedInContext(tokens);
  const first = shown.findIndex((t) => t !== '');
  return shown.map((t, i) => (i === first && t.startsWith(' ') ? t.slice(1) : t));
}

/**
 * Whether the reference's own encoding of the text starts with exactly the tokens the model emitted, rendered as the
 * server renders them (alone, or in context where it shows part of a character as nothing).
 */
function agrees(tokenizer: Tokenizer, o: Repeated): boolean {
  const render = rendersPartsAsNothing(o) ? inContext : spelled;
  const seen = render(o.tokens.map((t) => t.bytes));
  const own = render(
    tokenizer
      .encode(o.repeat.source)
      .slice(0, seen.length)
      .map((id) => tokenizer.tokenBytes(id) ?? new Uint8Array()),
  );
  return own.length === seen.length && own.every((piece, i) => piece === seen[i]);
}

/**
 * Repeat answers with their tokens listed: the model said back a text chosen where the leading references
 * segment it differently, so every token boundary of the answer, not only where it was cut, is one the true
 * tokenizer puts there. A group whose encoder is not loaded is given agreement, the best it could earn, so not
 * loading it never counts against it. Undefined when no answer is such a repeat.
 */
export function scoreRepeatTokens(
  observations: readonly ChannelObservation[],
  { groups, encoder }: Pick<ChannelContext, 'groups' | 'encoder'>,
): { match: number[]; unknown: number; answers: number; compared: number } | undefined {
  const answers = observations.filter(repeated);
  if (!answers.length) return undefined;
  let compared = 0;
  const match = groups.map((_, g) => {
    const tokenizer = encoder(g);
    if (tokenizer) compared++;
    return answers.reduce((sum, o) => sum + Math.log(!tokenizer || agrees(tokenizer, o) ? 1 - SLIP : SLIP), 0);
  });
  return { match, unknown: answers.length * Math.log(UNKNOWN_SAME), answers: answers.length, compared };
}
