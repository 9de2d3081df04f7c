import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plannerRecord } from './planner-scenarios.js';

const FIXTURE = new URL('./planner-pinned.json', import.meta.url);

/** Rounds gains so a reordered floating-point sum does not count as a different choice. */
const rounded = (value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value)
    ? Number(value.toPrecision(10))
    : Array.isArray(value)
      ? value.map(rounded)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]))
        : value;

describe('the planner', () => {
  it('chooses the same packs, gains and coverage priorities as the recorded planner for the same inputs and seeds', () => {
    const record = rounded(JSON.parse(JSON.stringify(plannerRecord())));
    if (process.env.TOKPRINT_RECORD_PLANNER) writeFileSync(FIXTURE, `${JSON.stringify(record)}\n`);
    expect(record).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });
});
