import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOneLine, runCli } from '../helpers/cli.js';

let root: string;
let env: NodeJS.ProcessEnv;
/** A finished run of the built-in simulated target that stopped at its budget of two requests. */
let finished: string;
let copies = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-run-files-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
  const result = await runCli(
    ['identify', '--channels', 'usage', '--json', '--quiet', '--out', join(root, 'runs'), '--max-queries', '2'],
    env,
    root,
  );
  expect(result.stderr).toBe('');
  finished = JSON.parse(result.stdout).run;
});
afterAll(() => rm(root, { recursive: true, force: true }));

const lines = (run: string) => readFileSync(join(run, 'transcript.jsonl'), 'utf8').split('\n').filter(Boolean);

/** A copy of the finished run, changed by `change`. */
function copy(change: (run: string) => void = () => {}): string {
  const run = join(root, `copy-${++copies}`);
  cpSync(finished, run, { recursive: true });
  change(run);
  return run;
}

/** The run as a kill after its last answer leaves it: no digest, no verdict. */
function unfinished(run: string) {
  writeFileSync(join(run, 'transcript.jsonl'), `${lines(run).slice(0, -1).join('\n')}\n`);
  rmSync(join(run, 'verdict.json'));
}

function expectRefused(result: { code: number; stderr: string; stdout: string }, says: RegExp) {
  expect(result.code).toBe(2);
  expect(isOneLine(result.stderr)).toBe(true);
  expect(result.stderr).not.toMatch(/internal error/);
  expect(result.stderr).toMatch(says);
}

describe('damaged run files: report, rescore and --resume refuse them in one line', () => {
  for (const content of [
    '{}',
    '[]',
    'null',
    'garbage',
    '{"verdict":{"status":"match"},"candidates":[],"queries":2,"target":"sim:x"}',
  ]) {
    it(`verdict.json holding ${content}`, async () => {
      const run = copy((dir) => writeFileSync(join(dir, 'verdict.json'), content));
      const says = /verdict\.json: (the verdict is|it has no verdict|the verdict's class)/;
      expectRefused(await runCli(['report', run], env, root), says);
      expectRefused(await runCli(['rescore', run], env, root), says);
    });
  }

  it('verdict.json whose hypothesis or strongest probe was hand-edited: every report format refuses it in one line', async () => {
    const edits: [(v: any) => void, RegExp][] = [
      [(v) => (v.hypotheses[0].class = 'x'), /its hypothesis 1 lacks/],
      [(v) => (v.strongestProbes[0].splits = 'x'), /its strongest probe 1 lacks/],
    ];
    for (const [edit, says] of edits) {
      const run = copy((dir) => {
        const verdict = JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8'));
        edit(verdict);
        writeFileSync(join(dir, 'verdict.json'), JSON.stringify(verdict));
      });
      for (const format of ['md', 'html', 'json'])
        expectRefused(await runCli(['report', run, '--format', format], env, root), says);
    }
  });

  it('a config whose target is a number, in config.json (report) and in the transcript (rescore, --resume)', async () => {
    const inJson = copy((dir) => {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, target: 5 }));
    });
    expectRefused(await runCli(['report', inJson], env, root), /config\.json: the config's target is 5/);
    const inTranscript = copy((dir) => {
      const [first, ...rest] = lines(dir);
      const entry = JSON.parse(first);
      entry.config.target = 5;
      writeFileSync(join(dir, 'transcript.jsonl'), `${[JSON.stringify(entry), ...rest].join('\n')}\n`);
    });
    expectRefused(await runCli(['rescore', inTranscript], env, root), /transcript\.jsonl: the config's target is 5/);
    unfinished(inTranscript);
    expectRefused(
      await runCli(['identify', '--resume', inTranscript], env, root),
      /transcript\.jsonl: the config's target is 5/,
    );
  });

  it('a transcript config without its budget', async () => {
    const run = copy((dir) => {
      const [first, ...rest] = lines(dir);
      const entry = JSON.parse(first);
      delete entry.config.budget;
      writeFileSync(join(dir, 'transcript.jsonl'), `${[JSON.stringify(entry), ...rest].join('\n')}\n`);
    });
    expectRefused(await runCli(['rescore', run], env, root), /the config has no budget/);
  });

  it('a request answered twice or a second digest (two processes continued the run): report and rescore refuse, --resume too', async () => {
    const answeredTwice = copy((dir) => {
      const all = lines(dir);
      const answer = all.findIndex((l) => JSON.parse(l).kind === 'response');
      writeFileSync(
        join(dir, 'transcript.jsonl'),
        `${[...all.slice(0, answer + 1), all[answer], ...all.slice(answer + 1)].join('\n')}\n`,
      );
    });
    for (const command of ['report', 'rescore'])
      expectRefused(await runCli([command, answeredTwice], env, root), /request 1 has two answers/);
    unfinished(answeredTwice);
    expectRefused(await runCli(['identify', '--resume', answeredTwice], env, root), /request 1 has two answers/);

    const twoDigests = copy((dir) =>
      writeFileSync(join(dir, 'transcript.jsonl'), `${[...lines(dir), lines(dir).at(-1)].join('\n')}\n`),
    );
    for (const command of ['report', 'rescore'])
      expectRefused(await runCli([command, twoDigests], env, root), /a digest that more of the run follows/);
  });

  it('a line in the middle of the transcript that is not JSON: report and rescore refuse, as for a torn last line they do not', async () => {
    const run = copy((dir) => {
      const all = lines(dir);
      all[2] = `${all[2].slice(0, 20)} garbage`;
      writeFileSync(join(dir, 'transcript.jsonl'), `${all.join('\n')}\n`);
    });
    for (const command of ['report', 'rescore'])
      expectRefused(await runCli([command, run], env, root), /transcript\.jsonl: line 3 is not JSON/);
    const torn = copy((dir) => writeFileSync(join(dir, 'transcript.jsonl'), `${lines(dir).join('\n')}\n{"kind":"req`));
    expect((await runCli(['report', torn, '--format', 'md'], env, root)).code).toBe(0);
  });

  it('a request recorded as the follow-up of an observation no earlier request made: report and rescore refuse', async () => {
    for (const followUpOf of [99, 1e300, -1, 'x']) {
      const run = copy((dir) => {
        const all = lines(dir).map((l) => JSON.parse(l));
        // the second request (the first probe pack) made out to follow up something that was never sent
        const pack = all.filter((e) => e.kind === 'request')[1];
        pack.request.followUpOf = followUpOf;
        writeFileSync(join(dir, 'transcript.jsonl'), `${all.map((e) => JSON.stringify(e)).join('\n')}\n`);
      });
      for (const command of ['report', 'rescore'])
        expectRefused(
          await runCli([command, run], env, root),
          /\(request\) follows up observation .+, which no earlier/,
        );
    }
  });

  it('report given a regular file, not a run directory', async () => {
    expectRefused(
      await runCli(['report', join(finished, 'verdict.json')], env, root),
      /it is a file, not a run directory/,
    );
  });

  it('report --output that is a directory or lies below a file', async () => {
    expectRefused(
      await runCli(['report', finished, '--output', root], env, root),
      /--output .* is a directory; give the path of a regular file to write/,
    );
    expectRefused(
      await runCli(['report', finished, '--output', join(finished, 'verdict.json', 'report.txt')], env, root),
      /cannot write .*report\.txt: a file is in the way/,
    );
  });

  it('report --output that is a named pipe: refused at once, not held open until a reader comes', async () => {
    const pipe = join(root, 'a-pipe');
    execFileSync('mkfifo', [pipe]);
    expectRefused(
      await runCli(['report', finished, '--format', 'html', '--output', pipe], env, root),
      /--output .*a-pipe is a named pipe; give the path of a regular file to write/,
    );
    expect(statSync(pipe).isFIFO()).toBe(true);
  });

  it('--out that is a regular file or lies below one', async () => {
    const file = join(finished, 'verdict.json');
    expectRefused(
      await runCli(['identify', '--out', file], env, root),
      /--out .* is not writable: a file is in the way \(EEXIST\)/,
    );
    expectRefused(
      await runCli(['identify', '--out', join(file, 'runs')], env, root),
      /--out .* is not writable: .*\(ENOTDIR\)/,
    );
  });
});

describe('--resume with flags', () => {
  it('refuses flags that conflict with the recorded run, naming each, and sends nothing', async () => {
    const run = copy(unfinished);
    const before = readFileSync(join(run, 'transcript.jsonl'), 'utf8');
    const result = await runCli(
      [
        'identify',
        '--resume',
        run,
        '--seed',
        '4',
        '--stream',
        '--out',
        join(root, 'elsewhere'),
        '--max-queries',
        '1',
        '--model',
        'x',
        '--channels',
        'usage,stream',
        '--engine',
        'exact',
      ],
      env,
      root,
    );
    expectRefused(result, /--resume continues .* with the settings it was recorded with/);
    for (const named of [
      '--max-queries 1 (run: 2; a budget can only be raised)',
      '--seed 4 (run: 1)',
      '--stream (run: off)',
      '--out ',
      '--model x',
      '--channels stream,usage (run: usage)',
      '--engine exact',
    ]) {
      expect(result.stderr).toContain(named);
    }
    expect(readFileSync(join(run, 'transcript.jsonl'), 'utf8')).toBe(before);
  });

  it('takes flags given with their recorded values', async () => {
    const run = copy(unfinished);
    const result = await runCli(
      ['identify', '--resume', run, '--json', '--quiet', '--seed', '1', '--max-queries', '2', '--out', join(root)],
      env,
      root,
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).queries).toBe(2);
  });

  it('continues a run recorded with the onnx scoring path on js, which scores the same way, and takes --engine js', async () => {
    const run = copy((dir) => {
      unfinished(dir);
      const [config, ...rest] = lines(dir).map((l) => JSON.parse(l));
      config.config.engine = 'onnx';
      writeFileSync(join(dir, 'transcript.jsonl'), [config, ...rest].map((e) => `${JSON.stringify(e)}\n`).join(''));
    });
    const result = await runCli(['identify', '--resume', run, '--json', '--quiet', '--engine', 'js'], env, root);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ engine: 'js', queries: 2 });
  });

  it('applies a raised budget, records it in the transcript and config.json, and the report shows it', async () => {
    const run = copy(unfinished);
    const result = await runCli(['identify', '--resume', run, '--json', '--quiet', '--max-queries', '6'], env, root);
    expect(result.stderr).toBe('');
    const verdict = JSON.parse(result.stdout);
    expect(verdict.queries).toBeGreaterThan(2);
    expect(verdict.queries).toBeLessThanOrEqual(6);
    const resumed = lines(run)
      .map((l) => JSON.parse(l))
      .filter((e) => e.kind === 'resumed');
    expect(resumed).toEqual([
      // the run was started with --max-queries 2, its limit under noise too: raising one lifts the other
      expect.objectContaining({ answered: 2, budget: { maxQueries: 6, maxPromptTokens: 30000, noiseQueries: 6 } }),
    ]);
    expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).budget).toEqual({
      maxQueries: 6,
      maxPromptTokens: 30000,
      noiseQueries: 6,
    });
    // the transcript keeps the budget the run started with
    expect(JSON.parse(lines(run)[0]).config.budget.maxQueries).toBe(2);
    const report = await runCli(['report', run, '--format', 'json'], env, root);
    expect(JSON.parse(report.stdout).budget).toEqual({ maxQueries: 6, maxPromptTokens: 30000, noiseQueries: 6 });
  });

  it('a record whose request no longer matches: one line that does not offer --resume again', async () => {
    const run = copy((dir) => {
      unfinished(dir);
      const all = lines(dir).map((l) => JSON.parse(l));
      const request = all.find((e) => e.kind === 'request');
      request.request.messages.at(-1).content += ' (changed)';
      writeFileSync(join(dir, 'transcript.jsonl'), `${all.map((e) => JSON.stringify(e)).join('\n')}\n`);
    });
    const result = await runCli(['identify', '--resume', run], env, root);
    expectRefused(result, /request 1 differs from the one recorded in the run.*cannot be continued: start a new run/);
    expect(result.stderr).not.toContain('--resume');
  });
});

describe('a finished run that ended inconclusive', () => {
  it('goes on with a raised budget, sending none of its answered requests again, and is sealed again', async () => {
    const run = copy();
    const before = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8'));
    expect(before.verdict.status).toBe('inconclusive');
    const sealed = lines(run);

    expectRefused(
      await runCli(['identify', '--resume', run], env, root),
      /ended inconclusive; go on with a higher budget .*--max-queries N/,
    );

    const resumed = await runCli(['identify', '--resume', run, '--max-queries', '6', '--json', '--quiet'], env, root);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).verdict).toMatchObject({ status: 'match', class: ['deepseek-v3'] });

    const after = lines(run).map((l) => JSON.parse(l));
    // the sealed record is kept byte for byte; the run goes on after its digest
    expect(lines(run).slice(0, sealed.length)).toEqual(sealed);
    expect(after[sealed.length]).toMatchObject({ kind: 'resumed', budget: { maxQueries: 6 } });
    expect(after.at(-1).kind).toBe('digest');
    const sent = after.filter((e) => e.kind === 'request').map((e) => e.seq);
    expect(new Set(sent).size).toBe(sent.length);

    const rescored = await runCli(['rescore', run, '--json'], env, root);
    expect(rescored.stderr).toBe('');
    expect(JSON.parse(rescored.stdout).verdict).toMatchObject({ status: 'match', class: ['deepseek-v3'] });
    expectRefused(
      await runCli(['identify', '--resume', run, '--max-queries', '8'], env, root),
      /is a finished run; re-score it/,
    );
  });
});
