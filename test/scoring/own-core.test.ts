import { describe, expect, it } from 'vitest';
import { coreTotals, isOwnCore } from '../../src/scoring/own-core.js';
import type { SignatureGroup } from '../../src/scoring/hypotheses.js';

const group = (reference: string) => ({ references: [reference] }) as unknown as SignatureGroup;
const groups = [group('a'), group('b'), group('c')];
// pack-major totals: pack 0 is the frame, pack 1 a stratum pack, pack 2 b's core check
const totals = [0, 0, 0, 300, 310, 290, 120, 100, 100];

describe('which classes read a core check as their own core', () => {
  it('is the class it was planned for, and any class counting it in as few tokens (its twins)', () => {
    const cores = coreTotals({ packs: [[], [1], [2]], observed: [0, 0, 0], coreOf: [null, null, 'b'] }, groups, totals);
    expect(Array.from(cores!)).toEqual([-1, -1, 100]);
    expect([0, 1, 2].map((m) => isOwnCore(cores, totals, 3, 2, m))).toEqual([false, true, true]);
    // a pack that is no core check is nobody's core
    expect([0, 1, 2].map((m) => isOwnCore(cores, totals, 3, 1, m))).toEqual([false, false, false]);
  });

  it('is nobody where the signature holds no core check, or its class is not indexed', () => {
    expect(coreTotals({ packs: [[], [1]], observed: [0, 0] }, groups, totals)).toBeUndefined();
    const gone = coreTotals({ packs: [[], [1], [2]], observed: [0, 0, 0], coreOf: [null, null, 'z'] }, groups, totals);
    expect([0, 1, 2].map((m) => isOwnCore(gone, totals, 3, 2, m))).toEqual([false, false, false]);
  });
});
