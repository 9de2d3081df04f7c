import { describe, expect, it } from 'vitest';
import type { SignatureGroup } from '../../src/scoring/hypotheses.js';
import {
  derivedHeldBack,
  inconclusiveNoiseReason,
  inconclusiveSpread,
  spreadUnmeasured,
} from '../../src/scoring/noise-verdict.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import type { Verdict } from '../../src/scoring/verdict.js';

/** A posterior holding one group whose counts left these deviations, leaning to changed. */
function scored(deviations: number[]): Posterior {
  const group = { references: ['llama3'], family: 'llama3', models: [] } as unknown as SignatureGroup;
  return {
    groups: [{ group, predicted: deviations.map(() => 100), offset: 0, deviations, match: 0.03, derived: 0.97 }],
    unknown: 0,
  };
}

const derived: Verdict = {
  status: 'derived',
  reference: 'llama3',
  class: ['llama3'],
  family: 'llama3',
  models: [],
  confidence: 0.97,
};

const requests = [
  { stratum: 'frame' },
  { stratum: 'structure' },
  { stratum: 'scripts' },
  { stratum: 'words' },
  { stratum: 'edge' },
];
/** The same requests and then the leader's core, which a changed copy mostly counts as its base does. */
const withCore = [...requests, { stratum: 'core', tested: 'llama3' }];

describe('a change judged against the spread every count shows', () => {
  it('stands when the edge check strays past what the noise of the other counts reaches', () => {
    // counts within a token or two of each other, the frame asked again once (moved by 2): the edge strays by -8
    const post = scored([0, 1, -1, 1, -8, 0]);
    expect(derivedHeldBack(post, derived, withCore, { spread: 1, made: 1, moves: [2] })).toBeUndefined();
  });

  it("is held back until the named class's core was asked, and stands once it was, whatever it showed", () => {
    // within the noise an unrelated tokenizer lands near some class's counts by chance: the core tells a copy
    const reason = derivedHeldBack(scored([0, 1, -1, 1, -8]), derived, requests, { spread: 1, made: 1, moves: [2] });
    expect(reason).toMatch(/counts vary by about \d+ tokens? between identical requests/);
    expect(reason).toMatch(/llama3's core, which a changed copy mostly counts as it does, was not asked/);
    // a core asked for another class does not stand in for it
    const otherCore = [...requests, { stratum: 'core', tested: 'mistral-v1' }];
    expect(
      derivedHeldBack(scored([0, 1, -1, 1, -8, 0]), derived, otherCore, { spread: 1, made: 1, moves: [2] }),
    ).toMatch(/llama3's core/);
    // a class with no core to ask has no such check: its change is not named through the noise
    expect(
      derivedHeldBack(
        scored([0, 1, -1, 1, -8, 0]),
        derived,
        withCore,
        { spread: 1, made: 1, moves: [2] },
        () => undefined,
      ),
    ).toMatch(/llama3 has no core/);
    // a core that strayed is weighed by the likelihood: a copy pruned by thousands of merges splits some of it too
    expect(
      derivedHeldBack(scored([0, 1, -1, 1, -8, 12]), derived, withCore, { spread: 1, made: 1, moves: [2] }),
    ).toBeUndefined();
  });

  it("asks a near core (a class with no strict one) to fit within the noise of the bare frame's counts", () => {
    const near = () => 'near' as const;
    const repeats = { spread: 1, made: 1, moves: [2] };
    // the frame at 0 and 2: a core at 3 lies within what the hidden part reaches (twice the spread and a seam's 2)
    expect(derivedHeldBack(scored([0, 1, -1, 1, -8, 3]), derived, withCore, repeats, near)).toBeUndefined();
    // 12 tokens off is past it: a tokenizer outside the index that landed near llama3 elsewhere by chance
    expect(derivedHeldBack(scored([0, 1, -1, 1, -8, 12]), derived, withCore, repeats, near)).toMatch(
      /llama3's core \(text it counts within a token of the fewest of every family\) strayed past what that noise reaches/,
    );
    // still asked first
    expect(derivedHeldBack(scored([0, 1, -1, 1, -8]), derived, requests, repeats, near)).toMatch(/was not asked/);
  });

  it('is held back when the other counts scatter as far as the edge check strayed', () => {
    const post = scored([5, -6, 4, -5, -8]);
    const reason = derivedHeldBack(post, derived, requests, { spread: 1, made: 1, moves: [2] });
    expect(reason).toMatch(/counts vary by about \d+ tokens between identical requests/);
    expect(reason).toMatch(/no edge check strayed from llama3 past what that noise reaches/);
  });

  it('does not take a jump of the hidden part on one count for the bound of its moves', () => {
    // the frame carried a retrieved memory (+150): the other counts still bound the noise
    const post = scored([150, 1, -1, 1, -8, 1]);
    expect(derivedHeldBack(post, derived, withCore, { spread: 1, made: 1, moves: [-149] })).toBeUndefined();
  });
});

describe('the spread an inconclusive run names', () => {
  it('is what all the counts show, when one repeat of the frame landed close by chance', () => {
    const post = scored([0, 17, -15, 12, 3]);
    expect(inconclusiveSpread(post, requests, { spread: 1, made: 1, moves: [1] })).toBeGreaterThanOrEqual(8);
  });

  it("is half the range of the frame's own counts when they lay farther apart than any spread scored", () => {
    const post = scored([0, 1, -1, 0, 1]);
    expect(inconclusiveSpread(post, requests, { spread: 1, made: 2, moves: [168, -518] })).toBe(343);
  });

  it('stays what the repeats measured when the counts agree with it', () => {
    const post = scored([0, 1, -1, 0, 1]);
    expect(inconclusiveSpread(post, requests, { spread: 1, made: 1, moves: [1] })).toBe(1);
  });

  it('names a scatter around the leader wider than identical requests moved as such, not as their move', () => {
    const wide = inconclusiveNoiseReason(scored([0, 17, -15, 12, 3]), requests, { spread: 1, made: 1, moves: [1] });
    expect(wide).toMatch(
      /^counts vary by about \d+ tokens around llama3's predictions, while identical requests moved by about 1 token; the requests allowed did not tell/,
    );
    const agreed = inconclusiveNoiseReason(scored([0, 1, -1, 0, 1]), requests, { spread: 1, made: 1, moves: [1] });
    expect(agreed).toBe(
      'counts vary by about 1 token between identical requests; the requests allowed did not tell the candidates apart through it',
    );
  });
});

describe('whether the frame should be asked again before anything else', () => {
  it('is so once identical requests were billed differently, until the frame was asked again twice', () => {
    expect(spreadUnmeasured({ spread: 0, made: 1, moves: [0] })).toBe(false);
    expect(spreadUnmeasured({ spread: 1, made: 1, moves: [1] })).toBe(true);
    expect(spreadUnmeasured({ spread: 1, made: 2, moves: [1, 0] })).toBe(false);
  });
});
