import type { CliIo } from '../io.js';
import { holdsWeights, openWeightsIfAny } from '../../lineage/open-weights.js';
import { vocabularyKeys } from '../../lineage/vocabulary-keys.js';
import { compareCheckpoints, type WeightEvidence } from '../../lineage/weight-lineage.js';
import type { Checkpoint } from '../../lineage/weights/checkpoint.js';
import { compareTokenizers, type Comparison } from '../../references/compare.js';
import { loadResolvedSource } from '../../references/load-local.js';
import { parseHfSpec, type ResolvedSource, resolveTokenizerSource } from '../../references/local-source.js';
import { resolve } from 'node:path';
import type { AddedToken, Tokenizer } from '../../references/tokenizer.js';
import type { ActivationEvidence } from '../../lineage/activations/compare-activations.js';
import { UserError } from '../../util/errors.js';

interface CompareOptions {
  json?: boolean;
  tiktokenPreset?: string;
  /** Compare weights of hub sources too (read by range requests); local weights are always compared. */
  weights?: boolean;
  activations?: boolean;
}

/** Weight evidence with what it cost to read. */
export interface ComparedWeights extends WeightEvidence {
  bytesRead: { a: number; b: number };
  checkpointBytes: { a: number; b: number };
}

/** How many differing added tokens the terminal shows per side; --json has them all. */
const SHOWN_TOKENS = 12;

export default async function compare(
  io: CliIo,
  specA: string,
  specB: string,
  options: CompareOptions,
): Promise<number> {
  // Both hub names are checked before either is fetched, so a bad one sends nothing; both files are read before either is parsed.
  for (const spec of [specA, specB]) parseHfSpec(spec);
  const sources = await Promise.all(
    [specA, specB].map((spec) => resolveTokenizerSource(spec, { cwd: io.cwd, env: io.env })),
  );
  const a = { source: sources[0], tokenizer: loadResolvedSource(sources[0], options) };
  const b = { source: sources[1], tokenizer: loadResolvedSource(sources[1], options) };
  const result = compareTokenizers(a.tokenizer, b.tokenizer, { labels: { a: 'A', b: 'B' } });
  const weights = await compareWeights(specA, specB, a.tokenizer, b.tokenizer, io, options);
  const activations = options.activations ? await compareActivationsOf(io, [specA, a], [specB, b]) : undefined;
  if (options.json) {
    const side = (spec: string, loaded: typeof a) => ({
      source: spec,
      format: loaded.source.format,
      vocabSize: loaded.tokenizer.vocabSize,
    });
    const json = { a: side(specA, a), b: side(specB, b), ...result, ...(weights && { weights }), activations };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  const labels = { a: `${specA} (${a.source.format})`, b: `${specB} (${b.source.format})` };
  const text = weights
    ? `${weightsHeadline(weights)}\n${formatComparison(result, labels)}${formatWeights(weights)}`
    : formatComparison(result, labels);
  io.stdout(text);
  if (activations) {
    const { formatActivations } = await import('../../lineage/activations/format-activations.js');
    io.stdout(`${text.endsWith('\n\n') ? '' : '\n'}${formatActivations(activations)}`);
  }
  return 0;
}

/** Activation evidence is loaded only when asked for: it needs onnxruntime-node, an optional dependency. */
async function compareActivationsOf(
  io: CliIo,
  ...sides: [string, { source: ResolvedSource; tokenizer: Tokenizer }][]
): Promise<ActivationEvidence> {
  const [a, b] = sides.map(([spec, loaded]) => {
    if (loaded.source.origin.kind !== 'local')
      throw new UserError(`--activations reads local model directories; ${spec} is on the hub (download it first)`);
    return { path: resolve(io.cwd, spec), encode: (text: string) => loaded.tokenizer.encode(text) };
  });
  const { activationLineage } = await import('../../lineage/activations/activation-lineage.js');
  return activationLineage(a, b);
}

/** Both sides' weights compared, when both hold weights: local ones always, hub ones with --weights. */
async function compareWeights(
  specA: string,
  specB: string,
  tokenizerA: Parameters<typeof vocabularyKeys>[0],
  tokenizerB: Parameters<typeof vocabularyKeys>[0],
  io: CliIo,
  options: CompareOptions,
): Promise<ComparedWeights | undefined> {
  const hubs = [parseHfSpec(specA), parseHfSpec(specB)];
  const present = await Promise.all(
    [specA, specB].map((spec, i) => (hubs[i] ? Boolean(options.weights) : holdsWeights(resolve(io.cwd, spec)))),
  );
  if (!present.every(Boolean)) return undefined;
  const opened: Checkpoint[] = [];
  try {
    for (const [i, spec] of [specA, specB].entries()) {
      const checkpoint = await openWeightsIfAny(spec, hubs[i], io);
      if (!checkpoint) return undefined;
      opened.push(checkpoint);
    }
    const [ca, cb] = opened;
    const evidence = await compareCheckpoints(ca, cb, vocabularyKeys(tokenizerA), vocabularyKeys(tokenizerB));
    return {
      ...evidence,
      bytesRead: { a: ca.bytesRead(), b: cb.bytesRead() },
      checkpointBytes: { a: ca.size, b: cb.size },
    };
  } finally {
    await Promise.all(opened.map((c) => c.close()));
  }
}

const signed = (x: number) => x.toFixed(3);

function weightsHeadline(w: ComparedWeights): string {
  return `weights: ${w.verdict} (score ${signed(w.score)}, threshold ${w.threshold})`;
}

function formatWeights(w: ComparedWeights): string {
  const c = w.components;
  const rows: string[][] = [
    [
      'embedding geometry',
      c.embeddingGeometry === undefined
        ? 'not compared'
        : `${signed(c.embeddingGeometry)} (Mantel p ${w.pValues.embeddingGeometry?.toFixed(3)})`,
    ],
    [
      'embedding Procrustes (held out)',
      c.embeddingProcrustes === undefined ? 'not compared' : signed(c.embeddingProcrustes),
    ],
    ['layer invariants (median)', c.layerInvariants === undefined ? 'not compared' : signed(c.layerInvariants)],
    ['shared anchor tokens', `${int(w.sharedAnchors.embedding)} embedding, ${int(w.sharedAnchors.layers)} layer`],
    [
      'bytes read',
      `A ${int(w.bytesRead.a)} of ${int(w.checkpointBytes.a)}, B ${int(w.bytesRead.b)} of ${int(w.checkpointBytes.b)}`,
    ],
  ];
  const layers = w.layers.map((l) => `  layer ${l.layer}: ${signed(l.correlation)} (${l.heads} heads)\n`).join('');
  const notes = w.notes.map((n) => `  note: ${n}\n`).join('');
  return `\n${weightsHeadline(w)}\n${list(rows)}\n${layers}${notes}`;
}

const int = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x > 0.999 && x < 1 ? 2 : 1)}%`;

function capped(items: string[], max: number): string {
  return items.length > max ? `${items.slice(0, max).join(', ')}, … ${items.length - max} more` : items.join(', ');
}

function verdictLine(r: Comparison): string {
  if (r.verdict === 'derived') {
    if (r.sameVocabularyAndMerges && !r.base)
      return `derived: A and B have the same vocabulary and merges (${r.changes.join('; ')})`;
    return r.base
      ? `derived: ${r.base === 'a' ? 'B' : 'A'} is derived from ${r.base.toUpperCase()}`
      : 'derived: A and B share one base vocabulary';
  }
  return r.summary;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}

function list(rows: string[][]): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}   ${value}`).join('\n');
}

function tokenList(title: string, tokens: readonly AddedToken[]): string {
  if (!tokens.length) return '';
  const shown = tokens
    .slice(0, SHOWN_TOKENS)
    .map((t) => `${JSON.stringify(t.content)} (${t.id}${t.special ? ', special' : ''})`);
  const more = tokens.length > SHOWN_TOKENS ? `, … and ${int(tokens.length - SHOWN_TOKENS)} more` : '';
  return `${title} (${int(tokens.length)}): ${shown.join(', ')}${more}\n`;
}

function formatComparison(r: Comparison, labels: { a: string; b: string }): string {
  const same = (x: boolean | undefined) => (x === undefined ? 'unknown' : x ? 'same' : 'different');
  const sides = table([
    ['', 'A', 'B'],
    ['ids', int(r.vocabSize.a), int(r.vocabSize.b)],
    ['base vocabulary (distinct bytes)', int(r.vocabulary.a), int(r.vocabulary.b)],
    ['added tokens', int(r.addedTokens.a), int(r.addedTokens.b)],
    ...(r.merges ? [['merges', int(r.merges.a), int(r.merges.b)]] : []),
  ]);
  const metrics = list([
    [
      'vocabulary overlap',
      `Jaccard ${pct(r.vocabulary.jaccard)}, A in B ${pct(r.vocabulary.aInB)}, B in A ${pct(r.vocabulary.bInA)}`,
    ],
    [
      'same bytes at the same id',
      `${pct(r.ids.agreement)} of ${int(r.ids.compared)} ids (base vocabulary: ${pct(r.baseIds.agreement)})`,
    ],
    [
      'merges',
      r.merges
        ? `${int(r.merges.shared)} common (A in B ${pct(r.merges.aInB)}, B in A ${pct(r.merges.bInA)}), order kept ${pct(r.merges.orderAgreement)}`
        : 'not compared (a loader exposes none)',
    ],
    ['normalizer', same(r.normalizerEqual)],
    ['pre-tokenizer', same(r.preTokenizerEqual)],
    [
      'segmentation',
      `${r.encoding.sameSegmentation}/${r.encoding.strings} probe strings alike${r.encoding.differing.length ? ` (differ: ${capped(r.encoding.differing, 6)})` : ''}`,
    ],
  ]);
  const changes = r.changes.length
    ? `${r.verdict === 'derived' ? 'changes' : 'tolerated'}:\n${r.changes.map((c) => `  - ${c}\n`).join('')}`
    : '';
  const changedIds = r.addedTokens.changed.map((c) => ({ ...c.b, content: `${c.content} (A: ${c.a.id})` }));
  return [
    `${verdictLine(r)}\n`,
    `A: ${labels.a}\nB: ${labels.b}\n\n`,
    `${sides}\n\n${metrics}\n\n`,
    changes,
    tokenList('added tokens only in A', r.addedTokens.onlyA),
    tokenList('added tokens only in B', r.addedTokens.onlyB),
    tokenList('added tokens with another id or flag in B', changedIds),
  ].join('');
}
