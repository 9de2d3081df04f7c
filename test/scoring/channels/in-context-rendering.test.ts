import { describe, expect, it } from 'vitest';
import {
  ownStrings,
  renderedInContext,
  rendersPartsAsNothing,
} from '../../../src/scoring/channels/in-context-rendering.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('renderedInContext', () => {
  it('shows nothing until a split character is whole, then the whole character', () => {
    const zhong = bytes('中');
    const parts = [bytes(' a'), zhong.subarray(0, 1), zhong.subarray(1, 2), zhong.subarray(2), bytes('b')];
    expect(renderedInContext(parts)).toEqual([' a', '', '', '中', 'b']);
  });

  it('leaves whole tokens as they are', () => {
    expect(renderedInContext([bytes('He'), bytes('llo'), bytes(' 世界')])).toEqual(['He', 'llo', ' 世界']);
  });
});

describe('ownStrings', () => {
  it('sets aside the token completing a character shown as nothing before, and keeps the rest', () => {
    const seen = ['a', '', '', '中', 'b'].map((t) => ({ bytes: bytes(t), alternatives: [] }));
    expect(ownStrings(seen).map((t) => Buffer.from(t.bytes).toString('utf8'))).toEqual(['a', '', '', 'b']);
  });

  it('drops the alternatives decoded after bytes held back, which are joins too', () => {
    const seen = [
      { bytes: bytes('a'), alternatives: [bytes('b')] },
      { bytes: bytes(''), alternatives: [] },
      { bytes: bytes(''), alternatives: [bytes('中')] },
      { bytes: bytes('中'), alternatives: [bytes('丁')] },
    ];
    const kept = ownStrings(seen);
    expect(kept.flatMap((t) => t.alternatives).map((b) => Buffer.from(b).toString('utf8'))).toEqual(['b']);
  });

  it('reads a "" before plain text as a special token shown as nothing, not part of a character', () => {
    const seen = ['Hi', '', 'there'].map((t) => ({ bytes: bytes(t), alternatives: [] }));
    expect(rendersPartsAsNothing({ tokens: seen } as never)).toBe(false);
    expect(ownStrings(seen).map((t) => Buffer.from(t.bytes).toString('utf8'))).toEqual(['Hi', '', 'there']);
    const split = ['Hi', '', ' 中'].map((t) => ({ bytes: bytes(t), alternatives: [] }));
    expect(rendersPartsAsNothing({ tokens: split } as never)).toBe(true);
  });
});
