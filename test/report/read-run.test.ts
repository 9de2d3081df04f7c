import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRun } from '../../src/run/read-run.js';
import { isUserError } from '../../src/util/errors.js';
import { defaultRun, type RunFixture } from './run-fixture.js';

const tool = { name: 'tokprint', version: '0.0.0-test' };
let fixture: RunFixture;

beforeAll(async () => {
  fixture = await defaultRun([]);
});
afterAll(() => fixture.remove());

function transcript(dir: string): Record<string, any>[] {
  return readFileSync(join(dir, 'transcript.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** A copy of the fixture run whose transcript is rewritten by `change`. */
function variant(name: string, change: (lines: string[]) => string[]): string {
  const dir = join(fixture.root, name);
  mkdirSync(dir);
  cpSync(fixture.run, dir, { recursive: true });
  const lines = readFileSync(join(fixture.run, 'transcript.jsonl'), 'utf8').split('\n').filter(Boolean);
  writeFileSync(
    join(dir, 'transcript.jsonl'),
    change(lines)
      .map((l) => `${l}\n`)
      .join(''),
  );
  return dir;
}

describe('readRun', () => {
  it('reads a sealed run: every request with the transcript lines of its request and answer, the spend, the digest', () => {
    const report = readRun(fixture.run, tool);
    const entries = transcript(fixture.run);
    const verdict = JSON.parse(readFileSync(join(fixture.run, 'verdict.json'), 'utf8'));
    expect(report.verdict).toEqual(verdict);
    expect(report.requests.map((r) => r.seq)).toEqual(Array.from({ length: verdict.queries }, (_, i) => i + 1));
    for (const request of report.requests) {
      expect(entries[request.lines.request! - 1]).toMatchObject({ kind: 'request', seq: request.seq });
      expect(entries[request.lines.response! - 1]).toMatchObject({
        kind: 'response',
        seq: request.seq,
        usage: { promptTokens: request.promptTokens },
      });
    }
    expect(report.requests[0]).toMatchObject({ stratum: 'frame', probes: 0 });
    expect(report.spent).toMatchObject({ requests: verdict.queries, promptTokens: verdict.promptTokens });
    expect(report.channels).toEqual(['billed prompt tokens']);
    expect(report.settings.target).toBe(verdict.target);
    expect(report.transcript.digest.state).toBe('sealed');
  });

  it('reads the older transcript shape: bare request/response lines, config and observations in their own files', () => {
    const dir = variant('old-shape', (lines) => lines.filter((l) => /"kind":"(request|response)"/.test(l)));
    const report = readRun(dir, tool);
    const current = readRun(fixture.run, tool);
    expect(report.requests.map((r) => [r.seq, r.promptTokens, r.stratum, r.probes])).toEqual(
      current.requests.map((r) => [r.seq, r.promptTokens, r.stratum, r.probes]),
    );
    expect(report.requests[0].lines).toEqual({ request: 1, response: 2 });
    expect(report.transcript.digest).toEqual({ state: 'none' });
    expect(report.settings).toEqual(current.settings);
  });

  it('counts a request sent again after a resume once, at its last lines, and leaves out a line cut off mid-write', () => {
    const dir = variant('resumed', (lines) => {
      const body = lines.filter((l) => !l.includes('"kind":"digest"'));
      const firstRequest = body.findIndex((l) => l.includes('"kind":"request"'));
      // a killed attempt at request 1 (no answer), then the resume marker, then the rest as recorded
      return [
        body[0],
        body[firstRequest],
        '{"kind":"resumed","at":"2026-01-01T00:00:00.000Z","answered":0}',
        ...body.slice(1),
        '{"kind":"request","seq":99,"at":"2026',
      ];
    });
    const report = readRun(dir, tool);
    expect(report.requests.map((r) => r.seq)).toEqual(readRun(fixture.run, tool).requests.map((r) => r.seq));
    expect(report.requests[0].lines.request).toBeGreaterThan(3);
    expect(report.transcript.resumed).toBe(1);
    expect(report.transcript.digest).toEqual({ state: 'none' });
  });

  it('says when a transcript no longer matches its digest', () => {
    const dir = variant('tampered', (lines) => lines.map((l) => l.replace('"promptTokens":', '"promptTokens":1')));
    expect(readRun(dir, tool).transcript.digest.state).toBe('mismatch');
  });

  it('refuses a directory without a verdict with a user error saying why', () => {
    const dir = variant('unfinished', (lines) => lines.slice(0, -1));
    rmSync(join(dir, 'verdict.json'));
    expect(() => readRun(dir, tool)).toThrow(/no verdict yet/);
    const empty = join(fixture.root, 'empty');
    mkdirSync(empty);
    try {
      readRun(empty, tool);
      expect.unreachable();
    } catch (error) {
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toMatch(/not a tokprint run/);
    }
  });
});
