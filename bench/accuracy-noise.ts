import { identify } from '../src/run/driver.js';
import { DEFAULT_BUDGET, type IdentifyResult } from '../src/scoring/identify.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { rankedGroups } from '../src/scoring/verdict.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import { simulatedTarget } from '../src/targets/sim-target.js';
import { hiddenSystemPrompt } from '../src/targets/system-prompts.js';
import { varyingPrompt, type VaryingPromptSpec } from '../src/targets/varying-prompt.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import { UserError } from '../src/util/errors.js';
import { seededRng, seedFromString } from '../src/util/rng.js';
import { median } from './accuracy-table.js';
import { derivedTargets, randomSetup, type LoadedBenchReference } from './accuracy-trials.js';
import type { RunTrace } from './run-trace.js';

/** The noise rows: a hidden prompt whose live part moves by about the spread named, per request. */
export const NOISE_ROWS: readonly { label: string; varying: Omit<VaryingPromptSpec, 'seed'> }[] = [
  { label: 'clock to the second', varying: { kind: 'clock', spread: 1, jumps: 0 } },
  { label: '+-2 (request id)', varying: { kind: 'id', spread: 2, jumps: 0 } },
  { label: '+-5 (notes)', varying: { kind: 'paragraph', spread: 5, jumps: 0 } },
  { label: '+-20 (notes)', varying: { kind: 'paragraph', spread: 20, jumps: 0 } },
  { label: '+-2 with jumps (p 0.2)', varying: { kind: 'id', spread: 2, jumps: 0.2 } },
];

interface NoiseTally {
  label: string;
  runs: number;
  rightFamily: number;
  rightStatus: number;
  /** A match or derived verdict naming another family. */
  wrongFamily: number;
  /** `derived` for an unchanged tokenizer. */
  falseDerived: number;
  unchanged: number;
  inconclusive: number;
  /** Inconclusive verdicts whose reason names how far the counts vary. */
  spreadNamed: number;
  /** Runs that ended refusing the counts as impossible (exit 3). */
  refused: number;
  queries: number[];
  promptTokens: number[];
}

async function noisyRun(
  tokenizer: Tokenizer,
  index: CountIndex,
  varying: VaryingPromptSpec,
  rng: ReturnType<typeof seededRng>,
): Promise<IdentifyResult> {
  const setup = randomSetup(rng);
  const target = simulatedTarget({
    id: 'sim:noise',
    description: 'sim:noise',
    tokenizer,
    template: chatTemplate(setup.template),
    hiddenSystemPrompt: hiddenSystemPrompt(setup.systemChars, seededRng(setup.seed)),
    varyingPrompt: varyingPrompt({ ...varying, seed: setup.seed }, tokenizer),
  });
  return identify({ target, index, budget: DEFAULT_BUDGET, rng: seededRng(setup.seed) });
}

/**
 * Per noise row: `trials` runs per reference on its unchanged tokenizer and, for tokenizer.json references,
 * one on a derived copy; how often the family and the status (match vs derived) came out right.
 */
export async function noiseAccuracy(
  loaded: readonly LoadedBenchReference[],
  index: CountIndex,
  options: { trials: number; seed: number; targets?: string[]; rows?: string[]; verbose: boolean },
  log: (line: string) => void,
  trace: RunTrace,
): Promise<string> {
  const donors = loaded.filter((r) => r.entry.format === 'hf-json');
  const tallies: NoiseTally[] = [];
  for (const row of NOISE_ROWS) {
    if (options.rows && !options.rows.some((part) => row.label.includes(part))) continue;
    const tally: NoiseTally = {
      label: row.label,
      runs: 0,
      rightFamily: 0,
      rightStatus: 0,
      wrongFamily: 0,
      falseDerived: 0,
      unchanged: 0,
      inconclusive: 0,
      spreadNamed: 0,
      refused: 0,
      queries: [],
      promptTokens: [],
    };
    for (const reference of loaded) {
      const id = reference.entry.id;
      if (options.targets && !options.targets.includes(id)) continue;
      const rng = seededRng(seedFromString(`${id} ${row.label}`, options.seed));
      const cases: { tokenizer: Tokenizer; derived: boolean; label: string }[] = [];
      for (let t = 0; t < options.trials; t++)
        cases.push({ tokenizer: reference.tokenizer, derived: false, label: id });
      if (reference.entry.format === 'hf-json')
        for (const variant of derivedTargets(reference, donors, rng, 1))
          cases.push({ tokenizer: variant.tokenizer, derived: true, label: `${id} [${variant.label}]` });
      for (const c of cases) {
        let result: IdentifyResult;
        try {
          result = await noisyRun(c.tokenizer, index, { ...row.varying, seed: 0 }, rng);
        } catch (error) {
          // counts refused as impossible (a jump made a longer request cheaper): a run without a verdict
          if (!(error instanceof UserError)) throw error;
          tally.runs++;
          tally.refused++;
          if (!c.derived) tally.unchanged++;
          log(`noise ${row.label} ${c.label}: refused: ${error.message}`);
          continue;
        }
        trace.add('noise', `${row.label} ${c.label}`, result);
        const { status, family } = result.verdict;
        const named = status === 'match' || status === 'derived';
        const familyRight = named && family === reference.entry.family;
        const statusRight = familyRight && status === (c.derived ? 'derived' : 'match');
        tally.runs++;
        if (familyRight) tally.rightFamily++;
        if (statusRight) tally.rightStatus++;
        if (named && !familyRight) tally.wrongFamily++;
        if (!c.derived) tally.unchanged++;
        if (!c.derived && status === 'derived') tally.falseDerived++;
        if (status === 'inconclusive') {
          tally.inconclusive++;
          if (/vary by about \d+ tokens?/.test(result.unstable ?? result.noise?.reason ?? '')) tally.spreadNamed++;
        }
        tally.queries.push(result.queries);
        tally.promptTokens.push(result.promptTokens);
        if (!statusRight || options.verbose)
          log(
            `noise ${row.label} ${c.label}: ${status} ${result.verdict.reference} ${result.verdict.confidence.toFixed(4)} q${result.queries} stop ${result.stop}${result.noise ? ` spread ${result.noise.spread}` : ''} ${leaderDeviations(result)}`,
          );
      }
    }
    tallies.push(tally);
    log(`noise ${row.label}: ${tally.rightStatus}/${tally.runs} right status`);
  }
  return noiseTable(tallies);
}

/** The leading group's deviation on each count request, by kind of request: what a noise miss is read from. */
function leaderDeviations(result: IdentifyResult): string {
  const leader = rankedGroups(result.posterior)[0];
  if (!leader) return '';
  const moves = result.requests.map(
    (r, k) =>
      `${r.stratum === 'edge' ? 'E' : r.stratum[0]}${leader.deviations[k]}/${r.probes.length}${r.tested ? `:${r.tested}` : ''}`,
  );
  return `[${leader.group.references[0]} m${leader.match.toFixed(2)} d${leader.derived.toFixed(2)}: ${moves.join(' ')}]`;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

function noiseTable(tallies: readonly NoiseTally[]): string {
  const lines = [
    '\n| hidden prompt varies | runs | right family | right status | wrong family | false derived (of unchanged) | inconclusive (spread named) | refused | median / max requests | median / max prompt tokens |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const t of tallies)
    lines.push(
      `| ${t.label} | ${t.runs} | ${pct(t.rightFamily, t.runs)} | ${pct(t.rightStatus, t.runs)} | ${t.wrongFamily} | ${t.falseDerived}/${t.unchanged} | ${t.inconclusive} (${t.spreadNamed}) | ${t.refused} | ${median(t.queries)} / ${Math.max(...t.queries)} | ${median(t.promptTokens)} / ${Math.max(...t.promptTokens)} |`,
    );
  return lines.join('\n');
}
