import type { ChannelObservation } from './channel.js';

type SeenToken = NonNullable<ChannelObservation['tokens']>[number];

const REPLACEMENT = '\ufffd';
const decoder = new TextDecoder();

/**
 * Whether an answer renders some token as nothing: a server detokenizing in context (TGI, vLLM) shows "" for a token
 * holding part of a character and the whole character, with the earlier tokens' bytes, on the token that completes it.
 */
export function rendersPartsAsNothing(o: ChannelObservation): boolean {
  return o.tokens?.some((t) => t.bytes.length === 0) ?? false;
}

/**
 * The tokens of an answer whose strings are the vocabulary's entries, or may be: a token after one rendered as
 * nothing carries the bytes of the tokens before it (a join no vocabulary need hold), and so do its alternatives,
 * which the server decodes in the same context.
 */
export function ownStrings(tokens: readonly SeenToken[]): SeenToken[] {
  return tokens.filter((t, i) => i === 0 || t.bytes.length === 0 || tokens[i - 1].bytes.length > 0);
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
