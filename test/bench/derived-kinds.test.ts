import { describe, expect, it } from 'vitest';
import { DerivedKinds, derivedKind } from '../../bench/derived-kinds.js';

describe('derived bench kinds', () => {
  it('reads the kind of change from each target label the bench writes', () => {
    expect(derivedKind('add 1200 CJK from qwen2.5 (1180 new entries)')).toBe('extension');
    expect(derivedKind('add 1200 CJK from qwen2.5, drop 3000 merges (1180 new entries)')).toBe('extension + pruning');
    expect(derivedKind('drop 3000 merges')).toBe('pruning');
    expect(derivedKind('pre-tokenizer: digits')).toBe('pre-tokenizer');
    expect(derivedKind('domain words: 169 new entries')).toBe('domain extension');
  });

  it('tallies detections per kind and in all', () => {
    const kinds = new DerivedKinds();
    kinds.add('drop 3000 merges', 'derived', true);
    kinds.add('domain words: 169 new entries', 'match', false);
    kinds.add('domain words: 120 new entries', 'derived', true);
    const table = kinds.table().split('\n');
    expect(table).toContain('| domain extension | 2 | 50.0% (1) | 1 | 0 | 0 |');
    expect(table).toContain('| pruning | 1 | 100.0% (1) | 0 | 0 | 0 |');
    expect(table.at(-1)).toBe('| **all** | 3 | 66.7% (2) | 1 | 0 | 0 |');
  });

  it('tallies the change each detected run named against the change its target was given', () => {
    const kinds = new DerivedKinds();
    kinds.add('pre-tokenizer: punctuation', 'derived', true, 'pruning');
    kinds.add('pre-tokenizer: digits', 'derived', true, 'pre-tokenizer');
    kinds.add('domain words: 169 new entries', 'derived', true, 'extension');
    kinds.add('drop 3000 merges', 'inconclusive', false);
    const table = kinds.changeTable().split('\n');
    expect(table).toContain('| pre-tokenizer | 2 | 1 | pruning 1 |');
    expect(table).toContain('| domain extension | 1 | 1 | - |');
    // runs not detected name no change to judge
    expect(table.some((line) => line.startsWith('| pruning '))).toBe(false);
    expect(table.at(-1)).toBe('| **all** | 3 | 2 | |');
  });
});
