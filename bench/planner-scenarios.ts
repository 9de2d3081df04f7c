import { designPack } from '../src/planning/design.js';
import type { ProbeCategory } from '../src/probes/probe.js';
import { signatureGroups } from '../src/scoring/hypotheses.js';
import { expectedInformationGain } from '../src/planning/information-gain.js';
import { planNext } from '../src/planning/planner.js';
import { vocabularyEdge } from '../src/planning/vocabulary-edge.js';
import type { RequestRecord } from '../src/scoring/identify.js';
import type { Posterior } from '../src/scoring/posterior.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { seededRng, type Rng } from '../src/util/rng.js';

const CATEGORIES: ProbeCategory[] = [
  'digits',
  'whitespace',
  'punctuation',
  'code',
  'words',
  'cjk',
  'indic',
  'arabic',
  'cyrillic',
  'emoji',
  'special-lookalike',
  'mined-latin',
  'mined-script',
];

/** An index shaped like the real one: families of near-identical references over probes of every stratum. */
export function plannerIndex(rng: Rng, families: number, perFamily: number, probes: number): CountIndex {
  const references = [];
  for (let f = 0; f < families; f++) {
    const base = Int32Array.from({ length: probes }, () => (rng.next() < 0.1 ? rng.int(8, 40) : rng.int(1, 8)));
    for (let v = 0; v < perFamily; v++) {
      const counts = v === 0 ? base : base.map((c) => (rng.next() < 0.04 ? Math.max(1, c + rng.int(-3, 3)) : c));
      references.push({ id: `f${f}v${v}`, family: `f${f}`, classId: `f${f}v${v}`, models: [], counts });
    }
  }
  const classes = references.map((r) => ({ id: r.classId, family: r.family, members: [r.id], models: [] }));
  const probeList = Array.from({ length: probes }, (_, i) => ({
    id: `p${i}`,
    text: `t${i}`,
    category: CATEGORIES[rng.int(0, CATEGORIES.length - 1)],
    why: '',
    source: 'handwritten' as const,
  }));
  return { probes: probeList, references, classes };
}

/** A posterior of the given group weights (all `match`), with `unknown` taking the rest. */
function weightsPosterior(index: CountIndex, weights: number[], unknown: number): Posterior {
  const groups = signatureGroups(index);
  const total = weights.reduce((a, b) => a + b, 0) + unknown;
  return {
    groups: groups.map((group, i) => ({
      group,
      predicted: [],
      offset: 0,
      deviations: [],
      match: weights[i] / total,
      derived: 0,
    })),
    unknown: unknown / total,
  };
}

/** Weights from flat to one sharp leader, as a run sees them request after request. */
function weightSeries(rng: Rng, groups: number, steps: number): number[][] {
  const leader = rng.int(0, groups - 1);
  return Array.from({ length: steps }, (_, step) =>
    Array.from({ length: groups }, (_, g) => (g === leader ? 1 : rng.next() * 0.1 ** step)),
  );
}

/** Everything the planner decides in a few simulated runs; the same inputs and seeds must give the same output. */
export function plannerRecord() {
  const rng = seededRng(2024);
  const record: unknown[] = [];
  for (const [families, perFamily, probes] of [
    [6, 3, 400],
    [12, 4, 1200],
    [3, 1, 200],
  ] as const) {
    const index = plannerIndex(rng, families, perFamily, probes);
    const groups = signatureGroups(index);
    for (let run = 0; run < 3; run++) {
      const runRng = seededRng(run * 31 + families);
      const used = new Set<number>();
      const sent: RequestRecord[] = [{ seq: 1, probes: [], promptTokens: 50, stratum: 'frame' }];
      const steps: unknown[] = [];
      for (const weights of weightSeries(rng, groups.length, 5)) {
        const post = weightsPosterior(index, weights, run === 2 ? 0.3 : 0.01);
        const edge = vocabularyEdge(
          groups,
          post.groups.map((g) => g.match + g.derived),
        );
        const next = planNext(post, groups, index, used, runRng, sent);
        steps.push({ edge: Array.from(edge.slice(0, 50)), next: next ?? null });
        if (!next) break;
        for (const p of next.pack) used.add(p);
        sent.push({
          seq: sent.length + 1,
          probes: next.pack.map((p) => index.probes[p].id),
          promptTokens: 50 + next.cost,
          stratum: next.stratum,
        });
      }
      record.push({ families, perFamily, probes, run, steps });
    }
    // designPack alone, with and without labels and priority, tight and loose budgets.
    const packRng = seededRng(families);
    for (const [maxTokens, minTokens, margin] of [
      [600, 360, 4],
      [120, 0, 1],
      [2000, 1500, 2],
    ] as const) {
      const candidates = groups.map((g, i) => ({ counts: g.counts, weight: i % 3 === 0 ? 0.3 : 0.001 * i }));
      const allowed = index.probes.map((_, i) => i).filter((i) => i % 4 !== 1);
      const labels = index.probes.map((p) => p.category);
      const priority = vocabularyEdge(
        groups,
        candidates.map((c) => c.weight),
      );
      record.push({
        maxTokens,
        plain: designPack({ candidates, allowed, maxTokens, minTokens, margin, rng: packRng }),
        labelled: designPack({ candidates, allowed, maxTokens, minTokens, margin, rng: packRng, labels, priority }),
      });
    }
    const gainRng = seededRng(probes);
    const gains = Array.from({ length: 20 }, () => {
      const hypotheses = groups.map(() => ({
        predicted: gainRng.int(100, 400),
        weight: gainRng.next() < 0.3 ? 0 : gainRng.next(),
      }));
      const lo = gainRng.int(20, 100);
      return expectedInformationGain(hypotheses, gainRng.next() * 0.2, lo, lo + gainRng.int(100, 800));
    });
    record.push({ gains });
  }
  return record;
}

/** Rounds gains so a reordered floating-point sum does not count as a different choice. */
const rounded = (value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value)
    ? Number(value.toPrecision(10))
    : Array.isArray(value)
      ? value.map(rounded)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]))
        : value;

/** The planner's record as it is pinned: plain JSON, fractions to 10 significant digits. */
export function pinnedPlannerRecord(): unknown {
  return rounded(JSON.parse(JSON.stringify(plannerRecord())));
}
