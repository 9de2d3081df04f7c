import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOneLine, makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let box: Sandbox;
beforeEach(async () => void (box = await makeSandbox()));
afterEach(() => box.remove());

describe('report given a file where a run directory belongs', () => {
  it('says in one line that the path is not a run directory, exit 2', async () => {
    const run = join(box.root, 'runs', 'r1');
    await mkdir(run, { recursive: true });
    await writeFile(join(run, 'verdict.json'), JSON.stringify({ verdict: { status: 'match' } }));
    for (const file of [join(run, 'verdict.json'), join(box.root, 'notes.txt')]) {
      await writeFile(join(box.root, 'notes.txt'), 'not a run\n');
      const result = await runCli(['report', file], box.env, box.root);
      expect(result.code).toBe(2);
      expect(isOneLine(result.stderr)).toBe(true);
      expect(result.stderr).toBe(
        `tokprint: cannot report on ${file}: it is a file, not a run directory (give the directory identify wrote)\n`,
      );
      expect(result.stdout).toBe('');
    }
  });
});
