import { describe, expect, it } from 'vitest';
import type { SignatureGroup } from '../../src/scoring/hypotheses.js';
import { unknownHeldBack } from '../../src/scoring/noise-verdict.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import type { Verdict } from '../../src/scoring/verdict.js';

/** A posterior whose indexed groups all missed, each with these deviations, the unknown leading. */
function missed(...groups: [string, number[]][]): Posterior {
  return {
    groups: groups.map(([reference, deviations]) => ({
      group: { references: [reference], family: reference, models: [] } as unknown as SignatureGroup,
      predicted: deviations.map(() => 100),
      offset: 0,
      deviations,
      match: 0,
      derived: 0,
    })),
    unknown: 0.999,
  };
}

const unknown: Verdict = { status: 'unknown', reference: null, class: [], family: null, models: [], confidence: 0.999 };

describe('an unknown judged against how far the bare frame moved', () => {
  const post = missed(['r50k', [0, -40, -348, 24, -329, 343]], ['cl100k', [0, -60, -300, 10, -310, 300]]);

  it('stands where identical requests were billed alike', () => {
    expect(unknownHeldBack(post, unknown, { spread: 0, made: 1, moves: [0] })).toBeUndefined();
    expect(unknownHeldBack(post, unknown, { spread: 0, made: 0, moves: [] })).toBeUndefined();
  });

  it('is held back while the frame, billed differently, was asked again fewer than three times', () => {
    const reason = unknownHeldBack(post, unknown, { spread: 1, made: 1, moves: [168] });
    expect(reason).toMatch(/^counts vary by about 168 tokens between identical requests; /);
    expect(reason).toMatch(/asked again only 1 time, too few/);
  });

  it('is held back when a candidate misses by no more than the frame moved', () => {
    const reason = unknownHeldBack(post, unknown, { spread: 1, made: 3, moves: [168, -250, 190] });
    expect(reason).toMatch(/^counts vary by about 440 tokens between identical requests; /);
    expect(reason).toMatch(/r50k's counts lie within what that noise reaches/);
  });

  it('stands when every candidate misses by far more than the frame moved', () => {
    expect(unknownHeldBack(post, unknown, { spread: 2, made: 3, moves: [2, -1, 1] })).toBeUndefined();
  });

  it('is held back when the frame jumped once and a candidate fits half the packs within the spread, the rest as jumps', () => {
    // the first frame carried a memory (+73): its repeats came back 73 below it; llama3 fits three of six packs at the
    // constant the repeats show (-20), and misses the others upwards by 40-200 tokens, as memories add
    const requests = ['frame', 'words', 'scripts', 'structure', 'words', 'scripts', 'structure', 'edge'].map(
      (stratum) => ({ stratum }),
    );
    const jumpy = missed(
      ['llama3', [53, 60, -18, -21, 145, -19, 166, -300]],
      ['gemma3', [0, 90, -60, 45, 200, -80, 120, 40]],
    );
    const repeats = { spread: 1, made: 3, moves: [-73, -72, -73] };
    const reason = unknownHeldBack(jumpy, unknown, repeats, requests);
    expect(reason).toMatch(/^counts vary by about 1 token between identical requests; /);
    expect(reason).toMatch(
      /the bare frame's counts jumped by up to 73 tokens, and llama3 fits at least half the other counts/,
    );
    // without the jump in the frame's counts the misses are not read as jumps
    expect(unknownHeldBack(jumpy, unknown, { spread: 1, made: 3, moves: [1, 0, -1] }, requests)).toBeUndefined();
    // nor where the candidate fits fewer than half the packs
    const fewer = missed(['llama3', [53, 60, -18, 90, 145, -19, 166, -300]]);
    expect(unknownHeldBack(fewer, unknown, repeats, requests)).toBeUndefined();
  });

  it('leaves other statuses alone', () => {
    const match: Verdict = { ...unknown, status: 'match', reference: 'r50k', class: ['r50k'], family: 'r50k' };
    expect(unknownHeldBack(post, match, { spread: 1, made: 1, moves: [168] })).toBeUndefined();
  });
});
