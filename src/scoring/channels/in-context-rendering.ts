import type { ChannelObservation } from './channel.js';

type SeenToken = NonNullable<ChannelObservation['tokens']>[number];

const REPLACEMENT = '\ufffd';
const SPACE = 0x20;
const decoder = new TextDecoder();

/** Whether a string starts, after any spaces, with a character outside ASCII: the one a held-back part completes. */
function startsWithWideCharacter(bytes: Uint8Array): boolean {
  const first = bytes.findIndex((b) => b !== SPACE);
  return first >= 0 && bytes[first] >= 0x80;
}

/**
 * Whether the token at `i` completes a character the tokens before it were shown as nothing for: it follows a "" and
 * shows a character outside ASCII. (A "" before plain text is a special token, such as the end of the text, that a
 * server renders as nothing.)
 */
function completesHeldCharacter(tokens: readonly SeenToken[], i: number): boolean {
  return i > 0 && tokens[i - 1].bytes.length === 0 && startsWithWideCharacter(tokens[i].bytes);
}

/**
 * Whether an answer renders part of a character as nothing: a server detokenizing in context (TGI, vLLM) shows "" for
 * a token ending inside a character, then the whole character, with the earlier tokens' bytes, on the token that
 * completes it.
 */
export function rendersPartsAsNothing(o: ChannelObservation): boolean {
  const tokens = o.tokens ?? [];
  return tokens.some((_, i) => completesHeldCharacter(tokens, i));
}

/**
 * The tokens of an answer whose strings are the vocabulary's entries, or may be: a token completing a character
 * shown as nothing before it carries the bytes of the tokens before it (a join no vocabulary need hold), and the
 * alternatives of any token after a "" are decoded after the bytes held back, so they are joins too.
 */
export function ownStrings(tokens: readonly SeenToken[]): SeenToken[] {
  return tokens.flatMap((t, i) => {
    if (completesHeldCharacter(tokens, i)) return [];
    return i > 0 && tokens[i - 1].bytes.length === 0 ? [{ bytes: t.bytes, alternatives: [] }] : [t];
  });
}

/**
 * A token sequence as a server detokenizing in context shows it: "" while the bytes so far end inside a character,
 * then every byte held back on the token that completes it.
 */
export function renderedInContext(tokens: readonly Uint8Array[]): string[] {
  let pending: number[] = [];
  return tokens.map((bytes) => {
    pending.push(...bytes);
    const text = decoder.decode(Uint8Array.from(pending));
    if (text.endsWith(REPLACEMENT)) return '';
    pending = [];
    return text;
  });
}
