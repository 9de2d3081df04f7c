import { join } from 'node:path';
import { frameText } from '../src/probes/frame.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import type { IdentifyResult } from '../src/scoring/identify.js';
import type { RunTarget } from './answer-channel-run.js';
import type { SignatureGroup } from '../src/scoring/hypotheses.js';
import { withoutClasses, type CountIndex } from '../src/signatures/count-index.js';
import { seededRng, seedFromString } from '../src/util/rng.js';
import { median } from './accuracy-table.js';
import { randomSetup, type LoadedBenchReference } from './accuracy-trials.js';
import { outsideVocabs } from './llama-cpp-vocabs.js';
import { specLabel, trainedSpecs, trainedTokenizer, trainingCorpus } from './trained-tokenizers.js';
import { vocabularyRelatives } from './vocabulary-relatives.js';

export type OpenKind = 'class removed' | 'trained' | 'llama.cpp outside the index';
/** Whether an indexed vocabulary is the target's own extended or pruned (vocabularyRelatives). */
type Relation = 'unrelated' | 'a relative indexed';

interface KindTally {
  unknown: number;
  derived: number;
  /** Derived verdicts naming a relative of the target: right, as the target is that vocabulary changed. */
  derivedRelative: number;
  inconclusive: number;
  falseMatch: number;
  total: number;
  queries: number[];
  unknownQueries: number[];
}

const emptyTally = (): KindTally => ({
  unknown: 0,
  derived: 0,
  derivedRelative: 0,
  inconclusive: 0,
  falseMatch: 0,
  total: 0,
  queries: [],
  unknownQueries: [],
});

export interface OpenKindsOptions {
  /** Runs per target. */
  open: number;
  /** Tokenizers trained for the bench. */
  trained: number;
  seed: number;
  cacheRoot: string;
  verbose: boolean;
}

/** Probes on which a target may count unlike an indexed group and still be that group's tokenizer (control-token text, normalization). */
const TWIN_DIFFERENCES = 0.01;

/**
 * The group whose counts equal the tokenizer's on all but a few probes: then the target is an indexed
 * tokenizer after all (llama.cpp's GPT-2 is r50k served without its normalizer), and a match is right.
 */
function indexedTwin(tokenizer: Tokenizer, index: CountIndex, groups: readonly SignatureGroup[]): string | undefined {
  const frame = tokenizer.encode(frameText([])).length;
  const counts = index.probes.map((p) => tokenizer.encode(frameText([p.text])).length - frame);
  const differing = (g: SignatureGroup) => counts.reduce((n, c, i) => n + (g.counts[i] === c ? 0 : 1), 0);
  const best = groups.map((g) => ({ g, d: differing(g) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= TWIN_DIFFERENCES * counts.length
    ? `${best.g.references[0]} (${best.d} of ${counts.length} probes differ)`
    : undefined;
}

function nearest(result: IdentifyResult): string {
  const ranked = [...result.posterior.groups]
    .sort((a, b) => b.match + b.derived - (a.match + a.derived))
    .slice(0, 2)
    .map((g) => `${g.group.references[0]} ${(g.match + g.derived).toFixed(3)}`);
  return `${ranked.join(', ')}, unknown ${result.posterior.unknown.toFixed(3)}`;
}

/**
 * The open set by kind of target: an indexed reference with its class removed; tokenizers trained for the
 * bench on local text (BPE, WordPiece, Unigram; pre-tokenizer, byte fallback, digit splitting and size drawn
 * by seed); real vocabularies of families the index leaves out (llama.cpp's). Counts unknown, derived,
 * inconclusive and false match per kind.
 */
export async function openKinds(
  loaded: readonly LoadedBenchReference[],
  index: CountIndex,
  groups: readonly SignatureGroup[],
  options: OpenKindsOptions,
  run: RunTarget,
  log: (line: string) => void,
): Promise<string> {
  const tallies = new Map<string, KindTally>();
  const twins: string[] = [];
  const tally = async (kind: OpenKind, label: string, tokenizer: Tokenizer, targetIndex: CountIndex) => {
    const rng = seededRng(seedFromString(`${kind} ${label}`, options.seed));
    const indexed = new Set(targetIndex.references.map((r) => r.id));
    const relatives = vocabularyRelatives(
      tokenizer,
      loaded.filter((r) => indexed.has(r.entry.id)).map((r) => ({ id: r.entry.id, tokenizer: r.tokenizer })),
    );
    const relation: Relation = relatives.length ? 'a relative indexed' : 'unrelated';
    const row = `${kind}, ${relation}`;
    const t = tallies.get(row) ?? emptyTally();
    tallies.set(row, t);
    for (let k = 0; k < options.open; k++) {
      const setup = randomSetup(rng);
      const result = await run(tokenizer, setup, targetIndex, `sim:${label}`);
      const status = result.verdict.status;
      t.total++;
      t.queries.push(result.queries);
      if (status === 'match') t.falseMatch++;
      else if (status === 'derived') {
        t.derived++;
        if (relatives.some((r) => result.verdict.class.includes(r.id))) t.derivedRelative++;
      } else if (status === 'unknown') {
        t.unknown++;
        t.unknownQueries.push(result.queries);
      } else t.inconclusive++;
      if (options.verbose || status === 'match' || status === 'inconclusive')
        log(
          `open-kinds ${row} ${label} ${setup.template}: ${status} ${result.verdict.reference ?? ''} ${result.verdict.confidence.toFixed(4)} q${result.queries}; ${nearest(result)}${relatives.length ? `; relatives ${relatives.map((r) => `${r.id} ${r.share.toFixed(3)}`).join(', ')}` : ''}; ${JSON.stringify(setup)}`,
        );
    }
  };

  for (const reference of loaded) {
    const own = groups.find((g) => g.references.includes(reference.entry.id));
    // A class of the target's own family left in that counts like it on all but a few probes (Gemma 4 beside
    // Gemma 3: one probe of the pool) still indexes the target's tokenizer: its match is right, not an open-set run.
    const twin = indexedTwin(
      reference.tokenizer,
      index,
      groups.filter((g) => g !== own && g.family === own?.family),
    );
    if (twin) twins.push(`${reference.entry.id} with its class removed counts like ${twin}`);
    else
      await tally(
        'class removed',
        reference.entry.id,
        reference.tokenizer,
        withoutClasses(index, own ? own.classIds : []),
      );
  }

  const benchCache = join(options.cacheRoot, 'bench');
  const corpus = trainingCorpus(join(process.cwd(), 'node_modules'));
  for (const spec of trainedSpecs(seededRng(options.seed), options.trained)) {
    const label = specLabel(spec);
    let tokenizer: Tokenizer;
    try {
      tokenizer = trainedTokenizer(spec, corpus, join(benchCache, 'trained'));
    } catch (error) {
      log(`warning: could not train ${label}: ${(error as Error).message}`);
      continue;
    }
    const twin = indexedTwin(tokenizer, index, groups);
    if (twin) twins.push(`${label} counts like ${twin}`);
    else await tally('trained', label, tokenizer, index);
  }

  for (const vocab of outsideVocabs(benchCache)) {
    if (!vocab.tokenizer) {
      log(`open-kinds: skipping llama.cpp ${vocab.name}: ${vocab.skipped}`);
      continue;
    }
    const twin = indexedTwin(vocab.tokenizer, index, groups);
    if (twin) twins.push(`llama.cpp ${vocab.name} counts like ${twin}`);
    else await tally('llama.cpp outside the index', `llama.cpp-${vocab.name}`, vocab.tokenizer, index);
  }
  return openKindsTable(tallies, twins);
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

/**
 * One row per kind and relation: for a target unrelated to every indexed vocabulary the answer is `unknown`;
 * for one whose relative is indexed, `derived` naming that relative is as right (counted apart).
 */
export function openKindsTable(tallies: ReadonlyMap<string, KindTally>, twins: readonly string[]): string {
  const lines = [
    '| open-set kind | runs | unknown | derived (of them a relative) | inconclusive | false match | median requests (all / to unknown) |',
    '|---|---|---|---|---|---|---|',
  ];
  const all = emptyTally();
  const row = (name: string, t: KindTally) =>
    `| ${name} | ${t.total} | ${pct(t.unknown, t.total)} (${t.unknown}) | ${pct(t.derived, t.total)} (${t.derived}; ${t.derivedRelative}) | ${pct(t.inconclusive, t.total)} (${t.inconclusive}) | ${pct(t.falseMatch, t.total)} (${t.falseMatch}) | ${t.queries.length ? median(t.queries) : '-'} / ${t.unknownQueries.length ? median(t.unknownQueries) : '-'} |`;
  const unrelated = emptyTally();
  for (const [kind, t] of [...tallies].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    lines.push(row(kind, t));
    const sums = kind.endsWith('unrelated') ? [all, unrelated] : [all];
    for (const sum of sums)
      for (const key of ['unknown', 'derived', 'derivedRelative', 'inconclusive', 'falseMatch', 'total'] as const)
        sum[key] += t[key];
    for (const sum of sums) {
      sum.queries.push(...t.queries);
      sum.unknownQueries.push(...t.unknownQueries);
    }
  }
  lines.push(row('**unrelated to every indexed vocabulary**', unrelated));
  lines.push(row('**all**', all));
  if (twins.length) lines.push('', `counted like an indexed class (left out): ${twins.join('; ')}`);
  return lines.join('\n');
}
