import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadSpinner } from '../../src/cli/thread-spinner.js';
import { CLEAR_LINE, SPINNER } from '../../src/report/progress-line.js';
import { qwen25Files } from '../helpers/real-tokenizer.js';

let root: string;
let tokenizerJson: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tokprint-spinner-'));
  tokenizerJson = new TextDecoder().decode((await qwen25Files()).tokenizerJson);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The spinner frames drawn so far, in order: the frame character and the text beside it. */
function framesIn(path: string): { frame: string; text: string }[] {
  return readFileSync(path, 'utf8')
    .split(CLEAR_LINE)
    .filter(Boolean)
    .map((drawn) => {
      const [, frame = '', text = ''] = /^tokprint: (\S) (.*)$/s.exec(drawn) ?? [];
      return { frame, text };
    });
}

/**
 * Parses a real tokenizer file again and again on this thread, without once yielding to the event loop, until
 * `enough` says so; gives up after `maxParses` (a bound for a failing run, not a timing).
 */
function parseUntil(enough: () => boolean, maxParses: number): number {
  let parses = 0;
  while (!enough() && parses < maxParses) {
    JSON.parse(tokenizerJson);
    parses++;
  }
  return parses;
}

describe('the progress line drawn from its own thread', () => {
  it('keeps moving while this thread is blocked parsing a tokenizer file, and is erased when stopped', () => {
    const path = join(root, 'stderr');
    const fd = openSync(path, 'w');
    try {
      const spinner = threadSpinner(fd);
      spinner.show('loading reference tokenizer qwen2.5');
      const moving = () => new Set(framesIn(path).map((f) => f.frame)).size >= 4;
      parseUntil(moving, 2000);
      const frames = framesIn(path);
      expect(new Set(frames.map((f) => f.frame)).size).toBeGreaterThanOrEqual(4);
      for (const { frame, text } of frames) {
        expect(SPINNER).toContain(frame);
        expect(text).toBe('loading reference tokenizer qwen2.5');
      }
      // a new text is taken up while this thread stays blocked
      spinner.show('request 1/6 sent, waiting for the answer');
      parseUntil(() => framesIn(path).at(-1)?.text === 'request 1/6 sent, waiting for the answer', 2000);
      expect(framesIn(path).at(-1)?.text).toBe('request 1/6 sent, waiting for the answer');

      spinner.stop();
      const after = readFileSync(path, 'utf8');
      expect(after.endsWith(CLEAR_LINE)).toBe(true);
      // nothing is drawn once stop has returned, however long this thread stays busy
      parseUntil(() => false, 5);
      expect(readFileSync(path, 'utf8')).toBe(after);
      spinner.stop();
      expect(readFileSync(path, 'utf8')).toBe(after);
    } finally {
      closeSync(fd);
    }
  });

  it('stopped before anything was shown, writes nothing', () => {
    const path = join(root, 'silent');
    const fd = openSync(path, 'w');
    try {
      threadSpinner(fd).stop();
      expect(readFileSync(path, 'utf8')).toBe('');
    } finally {
      closeSync(fd);
    }
  });
});
