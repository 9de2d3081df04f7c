import { describe, expect, it } from 'vitest';
import { minPieces } from '../../src/signatures/min-pieces.js';
import { createFilter, tokenByteSet } from '../../src/signatures/vocab-membership.js';
import { realTokenizer } from '../helpers/real-tokenizers.js';

const utf8 = new TextEncoder();

describe('minPieces', () => {
  it('never exceeds the tokens the vocabulary itself spent, and finds shorter splits than a random one', async () => {
    const tokenizer = await realTokenizer('llama3');
    const filter = createFilter(tokenByteSet([tokenizer]), tokenizer.vocabSize);
    const text = ' tokenizers leak through every API, even through streamed chunks';
    const ids = tokenizer.encode(text);
    const [pieces] = minPieces([filter], utf8.encode(text));
    expect(pieces).toBeLessThanOrEqual(ids.length);
    expect(pieces).toBeGreaterThanOrEqual(ids.length - 2);
    // single bytes are entries of a byte-level vocabulary, so any text splits
    expect(minPieces([filter], utf8.encode('\u{1F9EC}q'))[0]).toBeLessThan(Number.POSITIVE_INFINITY);
  });

  it('is infinite where a vocabulary cannot spell a byte, and counts a dropped word-initial space at the start', () => {
    const filter = createFilter(
      ['w', 'o', 'r', 'l', 'd', 'or', 'wor', 'ld', ' ', 'h', 'e', ' he', 'llo', ' hello'].map((t) => utf8.encode(t)),
      13,
    );
    expect(minPieces([filter], utf8.encode('world'))).toEqual([2]);
    expect(minPieces([filter], utf8.encode('hellx'))).toEqual([Number.POSITIVE_INFINITY]);
    expect(minPieces([filter], utf8.encode('hex'))).toEqual([Number.POSITIVE_INFINITY]);
    expect(minPieces([filter], utf8.encode('hello'), { atStart: true })).toEqual([1]);
    expect(minPieces([filter], utf8.encode('helloworld'), { atStart: true })).toEqual([3]);
  });
});
