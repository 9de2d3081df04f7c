import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatTemplate } from '../../src/targets/chat-templates.js';
import { makeSandbox, runCli, type Sandbox, shareReferenceFiles } from '../helpers/cli.js';
import type { JsonServer } from '../helpers/generic-json-server.js';
import { committedTokenizer } from '../helpers/manifest-references.js';
import { startRepeatServer } from '../helpers/repeat-server.js';

/**
 * A run that reads the truncation channel sends repeat requests between its probe packs. The transcript
 * numbers every request, while the predictions are kept per pack: each pack must still be set against
 * its own prediction, and the follow-ups shown as follow-ups, in every format.
 */
let sandbox: Sandbox;
let server: JsonServer;
let run: string;
let terminal: string;
let leader: string;
/** Transcript seq of each request, and the seq of the pack each follow-up follows. */
let packs: number[];
let followUps: { seq: number; of: number }[];

beforeAll(async () => {
  const qwen = await committedTokenizer('qwen2.5');
  sandbox = await makeSandbox({ OPENAI_API_KEY: 'sk-test-evidence-follow-ups' });
  await shareReferenceFiles(sandbox);
  server = await startRepeatServer({ model: qwen, template: chatTemplate('chatml') });
  const result = await runCli(
    [
      'identify',
      `openai:${server.url}/v1`,
      '--model',
      'm',
      '--channels',
      'usage,truncation',
      '--max-queries',
      '10',
      '--out',
      'runs',
      '--report',
      'md,html',
    ],
    sandbox.env,
    sandbox.root,
  );
  expect(result.stderr).not.toMatch(/internal error/);
  if (result.code > 1) throw new Error(result.stderr);
  terminal = result.stdout;
  run = /^run: (.+)$/m.exec(terminal)![1];
  leader = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')).candidates[0].reference;
  const sent = readFileSync(join(run, 'transcript.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((e) => e.kind === 'request');
  const countSeqs = sent.filter((e) => e.request.followUpOf === undefined && !e.request.fresh).map((e) => e.seq);
  packs = countSeqs.slice(1);
  followUps = sent
    .filter((e) => e.request.followUpOf !== undefined)
    .map((e) => ({ seq: e.seq, of: countSeqs[e.request.followUpOf - 1] }));
}, 300_000);
afterAll(async () => {
  await server?.close();
  await sandbox?.remove();
});

describe('evidence tables of a run with truncation follow-ups', () => {
  it('the run sent follow-ups between its packs and named the tokenizer it was billed with', () => {
    expect(followUps.length).toBeGreaterThan(0);
    expect(followUps.some((f) => f.seq < packs.at(-1)!)).toBe(true);
    expect(leader).toBe('qwen2.5');
  });

  it('terminal: the leader matched every pack, one mark per pack', () => {
    const row = terminal.split('\n').find((line) => line.trimStart().startsWith(`${leader} `))!;
    expect(row).toContain(`${packs.length}/${packs.length} ${'✓'.repeat(packs.length)}`);
    expect(row).not.toMatch(/[✗·]/);
    const billed = /^billed over the bare frame: (.*)$/m.exec(terminal)![1];
    expect([...billed.matchAll(/#(\d+)/g)].map((m) => Number(m[1]))).toEqual(packs);
  });

  it('markdown: each pack row is the pack request, the leader predicts its bill, follow-ups are marked', () => {
    const md = readFileSync(join(run, 'report.md'), 'utf8');
    const rows = md.split('\n').filter((line) => /^\| #\d+ \|/.test(line));
    const packRows = rows.filter((line) => !/follow-up|frame again/.test(line));
    expect(packRows.map((line) => Number(/^\| #(\d+)/.exec(line)![1]))).toEqual(packs);
    for (const line of packRows) {
      const cells = line.split('|').map((c) => c.trim());
      // request | probes | billed | leader | …
      expect(cells[4]).toBe(`${cells[3]} ✓`);
    }
    const probeRequests = [...md.matchAll(/, request #(\d+)\)$/gm)].map((m) => Number(m[1]));
    expect(probeRequests.length).toBeGreaterThan(0);
    for (const seq of probeRequests) expect(packs).toContain(seq);
    for (const f of followUps)
      expect(rows).toContainEqual(expect.stringMatching(`^\\| #${f.seq} \\| follow-up of #${f.of} \\|`));
  });

  it('html: every pack row has the leader in green with the billed count, follow-ups are rows of their own', () => {
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    const rows = [...html.matchAll(/<tr(?: class="([^"]*)")?><td>request #(\d+) (.*?)<\/td>(.*?)<\/tr>/g)];
    const packRows = rows.filter((m) => m[1] !== 'follow-up');
    expect(packRows.map((m) => Number(m[2]))).toEqual(packs);
    for (const m of packRows) {
      const billed = /<b>([^<]+)<\/b>/.exec(m[4])![1];
      const first = /<td class="num (hit|miss)"[^>]*>([^<]+)<\/td>/.exec(m[4])!;
      expect([first[1], first[2]]).toEqual(['hit', billed]);
    }
    expect(rows.filter((m) => m[1] === 'follow-up').map((m) => [Number(m[2]), m[3]])).toEqual(
      followUps.map((f) => [f.seq, `follow-up of request #${f.of}`]),
    );
  });
});
