import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finishTrials, junitXml, parseAccuracy, TrialLog } from '../../bench/accuracy-junit.js';

const dir = mkdtempSync(join(tmpdir(), 'tokprint-bench-junit-'));
afterEach(() => {
  process.exitCode = 0;
});

function log(): TrialLog {
  const trials = new TrialLog();
  trials.add('closed', 'deepseek-v3 template chatml', true, '');
  trials.add('closed', 'llama3 <template> & "quotes"', false, "expected a match in llama3's class, got derived <x>");
  trials.add('open', 'qwen2.5 not indexed', true, '');
  trials.add('derived', 'gemma3 drop 5000 merges', true, '');
  return trials;
}

describe('bench accuracy JUnit and floor', () => {
  it('writes a suite per kind of trial and a testcase per simulated target, a failure where the verdict was wrong', () => {
    const xml = junitXml(log().trials);
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="tokprint accuracy" tests="4" failures="1" /,
    );
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('<testsuite name="accuracy closed" tests="2" failures="1"');
    expect(xml).toContain('name="llama3 &lt;template&gt; &amp; &quot;quotes&quot;"');
    expect(xml).toContain(
      '<failure message="expected a match in llama3&#39;s class, got derived &lt;x&gt;" type="wrong-verdict"/>',
    );
  });

  it('exits non-zero below --min-accuracy and writes the JUnit file', () => {
    const file = join(dir, 'junit.xml');
    const said: string[] = [];
    finishTrials(log(), { junit: file, minAccuracy: 0.8 }, (line) => said.push(line));
    expect(process.exitCode).toBe(1);
    expect(said).toEqual([
      `junit: 4 testcases written to ${file}`,
      'accuracy 75.0% over 4 simulated targets; minimum 80.0%: FAIL',
    ]);
    expect(readFileSync(file, 'utf8')).toMatch(/<testsuites name="tokprint accuracy" tests="4" failures="1" /);
  });

  it('passes at or above the floor', () => {
    finishTrials(log(), { minAccuracy: 0.75 }, () => {});
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('takes a fraction or a percentage, and nothing else', () => {
    expect(parseAccuracy('0.95')).toBe(0.95);
    expect(parseAccuracy('90%')).toBe(0.9);
    expect(() => parseAccuracy('high')).toThrow(/--min-accuracy takes a fraction/);
    expect(() => parseAccuracy('1.5')).toThrow();
    expect(() => parseAccuracy(undefined)).toThrow();
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
