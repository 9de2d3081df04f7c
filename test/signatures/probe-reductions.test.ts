import { describe, expect, it } from 'vitest';
import type { Probe } from '../../src/probes/probe.js';
import { rarestTokenIds } from '../../src/references/rarest-tokens.js';
import { probeReductions } from '../../src/signatures/probe-reductions.js';
import { committedTokenizer } from '../helpers/manifest-references.js';

const probe = (id: string, text: string): Probe => ({ id, text, category: 'words', why: '', source: 'handwritten' });

describe('probe reductions', () => {
  it('count what split digits, isolated punctuation and pruned rare merges would add (Llama 3)', async () => {
    const llama3 = await committedTokenizer('llama3');
    const decoder = new TextDecoder();
    const rareTexts = [...rarestTokenIds(llama3)].map((id) => decoder.decode(llama3.tokenBytes(id))).filter((t) => /^ [a-z]{5,}$/.test(t)).slice(0, 3);
    expect(rareTexts).toHaveLength(3);
    const probes = [probe('digits', '1234567'), probe('dots', 'Wait...'), probe('call', 'f(x);'), probe('plain', 'the house'), probe('rare', rareTexts.map((t) => t.trim()).join(' '))];
    const reductions = probeReductions(llama3, probes);
    // Llama 3 groups digits by three: 123 456 7 becomes seven tokens, four more.
    expect(llama3.encode('1234567')).toHaveLength(3);
    expect(reductions.digits.digits).toBe(4);
    // "..." stays one run; "Wait..." as one token would become two.
    expect(reductions.punctuation.dots ?? 0).toBe(llama3.encode('Wait...').length === 1 ? 1 : 0);
    // Llama 3 reads f (x ); where isolated punctuation runs give f ( x ): one token more.
    expect(llama3.encode('f(x);').map((id) => llama3.tokenString(id))).toEqual(['f', '(x', ');']);
    expect(reductions.punctuation.call).toBe(1);
    expect(reductions.digits.plain).toBeUndefined();
    expect(reductions.punctuation.plain).toBeUndefined();
    expect(reductions.rare.plain).toBeUndefined();
    expect(reductions.rare.rare).toBeGreaterThanOrEqual(2);
  });
});
