import { describe, expect, it } from 'vitest';
import { unstableEndReason, unstableFrame } from '../../src/run/billed-count-check.js';

describe('why a run ended on unstable counts, rebuilt from its checks in the order sent', () => {
  it('names the last check billed apart, with every move before it', () => {
    const reason = unstableEndReason([
      { first: 100, again: 102 },
      { first: 340, again: 340, request: "request 3's probes" },
      { first: 100, again: 160 },
    ]);
    expect(reason).toBe(unstableFrame(100, 160, [2, 60])!.reason);
    expect(reason).toMatch(/billed 100 and then 160 prompt tokens/);
  });

  it("names a stray's probes billed apart as that request", () => {
    const reason = unstableEndReason([
      { first: 100, again: 101 },
      { first: 340, again: 395, request: "request 3's probes" },
    ]);
    expect(reason).toBe(unstableFrame(340, 395, [1, 55], "request 3's probes")!.reason);
  });

  it('a last repeat billed alike after a move past the ceiling names that move', () => {
    const reason = unstableEndReason([
      { first: 100, again: 150 },
      { first: 100, again: 100 },
    ]);
    expect(reason).toBe(unstableFrame(100, 150, [50, 0])!.reason);
  });

  it('says the counts cannot be read past the ceiling, and that the answers lead within it', () => {
    const far = unstableFrame(100, 160, [60])!;
    expect(far.reason).toMatch(/vary by about \d+ tokens between identical requests; more than 10/);
    const near = unstableFrame(116, 114, [-2])!;
    expect(near.named).toBe(2);
    expect(near.reason).toMatch(/vary by about 2 tokens between identical requests; the answers' own tokens/);
    expect(near.reason).not.toMatch(/more than/);
  });

  it('names nothing where the last check gave no count, or where no check moved', () => {
    expect(
      unstableEndReason([
        { first: 100, again: 130 },
        { first: 100, again: undefined },
      ]),
    ).toBeUndefined();
    expect(unstableEndReason([{ first: 100, again: 100 }])).toBeUndefined();
    expect(unstableEndReason([])).toBeUndefined();
    // a count no target bills is no count: it names no move, nor a spread
    expect(unstableEndReason([{ first: 100, again: -5 }])).toBeUndefined();
    expect(
      unstableEndReason([
        { first: 100, again: -5 },
        { first: 100, again: 140 },
      ]),
    ).toBe(unstableFrame(100, 140, [40])!.reason);
  });
});
