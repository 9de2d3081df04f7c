import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';

/**
 * `identify --resume RUN --dry-run` plans the resumed run, not a fresh one: the record's answers are replayed with
 * the run's seed and budget, sending nothing and writing nothing, and the first request listed is the one the
 * resumed run sends next.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await makeSandbox();
  await shareReferenceFiles(sandbox);
});
afterAll(() => sandbox?.remove());

async function identify(argv: string[], out: string) {
  const result = await runCli(
    ['identify', ...argv, '--channels', 'usage', '--out', out, '--json'],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  const [run] = readdirSync(join(sandbox.root, out));
  return join(sandbox.root, out, run);
}

const transcriptOf = (run: string) => readFileSync(join(run, 'transcript.jsonl'), 'utf8');
const entries = (run: string) =>
  transcriptOf(run)
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

/** The run as if killed right after its `answered`-th answer was recorded: the lines after it and the verdict gone. */
function killedAfter(run: string, answered: number, copy: string): string {
  cpSync(run, copy, { recursive: true });
  const lines = transcriptOf(run).trim().split('\n');
  const next = lines.findIndex((line) => {
    const e = JSON.parse(line);
    return (e.kind === 'request' && e.seq > answered) || e.kind === 'digest';
  });
  writeFileSync(join(copy, 'transcript.jsonl'), `${lines.slice(0, next).join('\n')}\n`);
  rmSync(join(copy, 'verdict.json'));
  return copy;
}

async function dryRun(run: string, extra: string[] = []) {
  const result = await runCli(
    ['identify', '--resume', run, '--dry-run', '--json', ...extra],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout).dryRun;
}

describe('identify --resume --dry-run', () => {
  it('lists, for a run killed after any answer, exactly the request it would send next, and changes nothing', async () => {
    // a +-2 id: count packs, a repeat of the bare frame and a pack asked again to check its stray
    const run = await identify(['sim:yi?vary=id&spread=2', '--seed', '1'], 'runs-killed');
    const sent = entries(run).filter((e) => e.kind === 'request');
    expect(sent.some((e) => e.request.repeatOf !== undefined)).toBe(true);
    for (let answered = 1; answered < sent.length; answered++) {
      const killed = killedAfter(run, answered, join(sandbox.root, `killed-${answered}`));
      const before = transcriptOf(killed);
      const plan = await dryRun(killed);
      const next = sent[answered].request;
      expect(plan.resumed).toMatchObject({ answered });
      expect(plan.requests[0]).toMatchObject({ n: answered + 1, text: next.messages.at(-1).content });
      if (next.repeatOf !== undefined)
        expect(plan.requests[0].what).toBe(`the probes of request #${next.repeatOf} again, to check its stray`);
      else if (next.fresh && !next.recount)
        expect(plan.requests[0].what).toBe('the bare frame again, to check the counts');
      expect(plan.requests.length).toBeLessThanOrEqual(plan.budget.noiseQueries - answered);
      expect(transcriptOf(killed)).toBe(before);
      expect(readdirSync(killed)).not.toContain('verdict.json');
    }
  });

  it('plans to the limit the run was under: raised once a small change is checked, though counts never moved', async () => {
    // a Yi pruned by 300 merges strays a few tokens: the frame is asked a second time and its largest stray again,
    // all billed alike; those checks take no count request's place, so the run goes past --max-queries
    const run = await identify(['sim:yi?drop-merges=300', '--seed', '2'], 'runs-small-change');
    const sent = entries(run).filter((e) => e.kind === 'request');
    expect(sent.length).toBeGreaterThan(6);
    const plan = await dryRun(killedAfter(run, 6, join(sandbox.root, 'killed-small-change')));
    expect(plan.resumed).toMatchObject({ answered: 6, countsMoved: false });
    expect(plan.requests[0]).toMatchObject({ n: 7, text: sent[6].request.messages.at(-1).content });
    // the checks up to the next request, but the frame's first repeat (made for any counts no tokenizer fits)
    const checks = sent.slice(0, 7).filter((e) => e.request.fresh && !e.request.recount).length - 1;
    expect(checks).toBeGreaterThan(0);
    expect(plan.requests.at(-1).n).toBe(6 + checks);
  });

  it('for a finished inconclusive run with a raised budget, lists the request the resumed run then sends', async () => {
    // a run held to two requests ends inconclusive, and resume may raise its limit
    const run = await identify(['sim:yi?vary=paragraph&spread=6', '--seed', '1', '--max-queries', '2'], 'runs-sealed');
    const answered = entries(run).filter((e) => e.kind === 'response').length;
    expect(answered).toBe(2);
    const plan = await dryRun(run, ['--max-queries', '8']);
    expect(plan.resumed).toMatchObject({ answered });
    expect(plan.requests[0].n).toBe(answered + 1);
    expect(plan.requests[0].text).toEqual(expect.any(String));
    const resumed = await runCli(
      ['identify', '--resume', run, '--max-queries', '8', '--json'],
      sandbox.env,
      sandbox.root,
    );
    expect(resumed.stderr).toBe('');
    const sentNext = entries(run).find((e) => e.kind === 'request' && e.seq === answered + 1);
    expect(sentNext.request.messages.at(-1).content).toBe(plan.requests[0].text);
  });

  it('shows what the record already holds in its text form', async () => {
    const run = await identify(['sim:yi?vary=paragraph&spread=6', '--seed', '1', '--max-queries', '2'], 'runs-text');
    const result = await runCli(
      ['identify', '--resume', run, '--dry-run', '--max-queries', '3'],
      sandbox.env,
      sandbox.root,
    );
    expect(result.stdout).toMatch(
      /^resuming \S+: 2 requests answered in its record \([\d,]+ prompt tokens\), read from it, not sent again$/m,
    );
    expect(result.stdout).toMatch(/^ {2}#3 /m);
    expect(result.stdout).not.toMatch(/^ {2}#1 bare frame/m);
    expect(result.stdout).toMatch(/^worst case: \d+ more prompt tokens in 1 more request \(/m);
  });
});
