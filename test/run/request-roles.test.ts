import { describe, expect, it } from 'vitest';
import { requestRoles } from '../../src/run/request-roles.js';

describe('what a recorded request was sent for', () => {
  it('tells the frame check, the stray check and a pack asked again past the cache apart', () => {
    expect(
      requestRoles([
        {},
        {},
        { fresh: true },
        {},
        { fresh: true, repeatOf: 3 },
        { fresh: true, recount: true },
        { followUpOf: 2 },
      ]),
    ).toEqual([
      { kind: 'count', observation: 1 },
      { kind: 'count', observation: 2 },
      { kind: 'frame-check' },
      { kind: 'count', observation: 3 },
      { kind: 'stray-check', of: 3 },
      // an edge check asked again is evidence: a count request, though sent fresh
      { kind: 'count', observation: 4 },
      { kind: 'follow-up', of: 2 },
    ]);
  });
});
