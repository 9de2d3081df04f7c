import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/references/store/package-root.js';
import { pinnedPlannerRecord } from './planner-scenarios.js';

/**
 * Records what the planner decides in the simulated runs of planner-scenarios.ts, as the golden file that
 * test/planning/planner-pinned.test.ts compares with. The test never writes it: record only for a change
 * meant to move the planner's choices, and say in the commit why they moved.
 */
const FIXTURE = join('test', 'planning', 'planner-pinned.json');

writeFileSync(join(packageRoot(), FIXTURE), `${JSON.stringify(pinnedPlannerRecord())}\n`);
process.stderr.write(`recorded the planner's choices in ${FIXTURE}\n`);
