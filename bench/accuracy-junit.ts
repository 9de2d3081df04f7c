import { writeFileSync } from 'node:fs';
import { escapeMarkup as x } from '../src/report/xml-escape.js';

/** One simulated target of the bench and whether tokprint got it right. */
export interface BenchTrial {
  suite: string;
  name: string;
  ok: boolean;
  /** What was expected and what came out, for the failure message. */
  detail: string;
  seconds: number;
}

/** Collects trials as the bench runs, timing each from the end of the one before. */
export class TrialLog {
  readonly trials: BenchTrial[] = [];
  private last = Date.now();

  add(suite: string, name: string, ok: boolean, detail: string): void {
    const now = Date.now();
    this.trials.push({ suite, name, ok, detail, seconds: (now - this.last) / 1000 });
    this.last = now;
  }

  accuracy(): number {
    return this.trials.length ? this.trials.filter((t) => t.ok).length / this.trials.length : 0;
  }
}

/** JUnit XML: a suite per kind of trial, a testcase per simulated target, a failure when the verdict was wrong. */
export function junitXml(trials: readonly BenchTrial[]): string {
  const suites = [...new Set(trials.map((t) => t.suite))];
  const time = (list: readonly BenchTrial[]) => list.reduce((s, t) => s + t.seconds, 0).toFixed(3);
  const failures = (list: readonly BenchTrial[]) => list.filter((t) => !t.ok).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tokprint accuracy" tests="${trials.length}" failures="${failures(trials)}" time="${time(trials)}">`,
  ];
  for (const suite of suites) {
    const list = trials.filter((t) => t.suite === suite);
    lines.push(
      `  <testsuite name="accuracy ${x(suite)}" tests="${list.length}" failures="${failures(list)}" errors="0" time="${time(list)}">`,
    );
    for (const t of list) {
      const open = `    <testcase classname="tokprint.accuracy.${x(suite)}" name="${x(t.name)}" time="${t.seconds.toFixed(3)}"`;
      lines.push(t.ok ? `${open}/>` : `${open}><failure message="${x(t.detail)}" type="wrong-verdict"/></testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** A simulated target's setup as a testcase name reads it. */
export function setupLabel(setup: { template: string; systemChars: number; seed: number }): string {
  return `template ${setup.template}, ${setup.systemChars}-character system prompt, seed ${setup.seed}`;
}

/** `0.95` or `95%` into a fraction. */
export function parseAccuracy(text: string | undefined): number {
  const value = text?.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === undefined || !Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`--min-accuracy takes a fraction such as 0.95 or a percentage such as 95%, not "${text}"`);
  return value;
}

/** Writes the JUnit file if asked, and fails the process when accuracy is below the floor. */
export function finishTrials(
  log: TrialLog,
  options: { junit?: string; minAccuracy?: number },
  say: (line: string) => void,
): void {
  if (options.junit) {
    writeFileSync(options.junit, junitXml(log.trials));
    say(`junit: ${log.trials.length} testcases written to ${options.junit}`);
  }
  const accuracy = log.accuracy();
  if (options.minAccuracy !== undefined) {
    const passed = accuracy >= options.minAccuracy;
    say(
      `accuracy ${(accuracy * 100).toFixed(1)}% over ${log.trials.length} simulated targets; minimum ${(options.minAccuracy * 100).toFixed(1)}%: ${passed ? 'pass' : 'FAIL'}`,
    );
    if (!passed) process.exitCode = 1;
  }
}
