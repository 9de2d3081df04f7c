import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pinnedPlannerRecord } from '../../bench/planner-scenarios.js';

/** Written only by `npm run record:planner`, for a change meant to move the planner's choices. */
const FIXTURE = new URL('./planner-pinned.json', import.meta.url);

describe('the planner', () => {
  it('chooses the same packs, gains and coverage priorities as the recorded planner for the same inputs and seeds', () => {
    expect(pinnedPlannerRecord()).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });
});
