import { describe, expect, it } from 'vitest';
import { ownStrings, renderedInContext } from '../../../src/scoring/channels/in-context-rendering.js';

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
});
