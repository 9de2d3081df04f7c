import { resolve } from 'node:path';
import { holdsWeights, openWeightsIfAny } from '../../lineage/open-weights.js';
import { vocabularyKeys } from '../../lineage/vocabulary-keys.js';
import { rankStoredBases, type WeightIdentification } from '../../lineage/weight-identify.js';
import { readStoredFingerprints } from '../../lineage/weight-store.js';
import { userIndexDir } from '../../references/store/tokprint-home.js';
import type { Tokenizer } from '../../references/tokenizer.js';
import { requireEntry } from '../../references/catalog.js';
import { loadReference } from '../../references/load-reference.js';
import { loadResolvedSource } from '../../references/load-local.js';
import { resolveTokenizerSource } from '../../references/local-source.js';
import { readReferenceIndex } from '../../references/reference-index.js';
import { percent } from '../../report/percent.js';
import { comparisonLine, whiteBoxRowsOf } from '../../report/white-box-facts.js';
import { weightFactsOf, weightLines } from '../../report/weight-facts.js';
import type { ReportFormatName } from '../../report/report-formats.js';
import { indexFingerprint } from '../../run/index-fingerprint.js';
import { createRunDir, RUN_FILES, writeRunJson } from '../../run/run-dir.js';
import { writeReports } from '../run-reports.js';
import { toolInfo } from '../../run/read-run.js';
import type { Workspace } from '../../run/workspace.js';
import { identifyWhiteBox, type WhiteBoxResult } from '../../scoring/white-box.js';
import { UserError } from '../../util/errors.js';
import { sha256Hex } from '../../util/hash.js';
import type { CliIo } from '../io.js';

export interface WhiteBoxOptions {
  json?: boolean;
  out?: string;
  tiktokenPreset?: string;
  quiet?: boolean;
  /** Who runs the audit, for the report's header. */
  operator?: string;
  /** Report formats to write beside the verdict. */
  reports?: ReportFormatName[];
}

/** Stored base models ranked by weight fingerprint, when the target holds weights and the store holds fingerprints. */
async function weightIdentification(
  io: CliIo,
  spec: string,
  suspect: Tokenizer,
): Promise<WeightIdentification | undefined> {
  if (!(await holdsWeights(resolve(io.cwd, spec)))) return undefined;
  const stored = await readStoredFingerprints(userIndexDir(io.env));
  if (!stored.length) return undefined;
  const checkpoint = await openWeightsIfAny(spec, undefined, io);
  if (!checkpoint) return undefined;
  try {
    return await rankStoredBases(checkpoint, vocabularyKeys(suspect), stored);
  } finally {
    await checkpoint.close();
  }
}

function verdictText(
  result: WhiteBoxResult,
  recorded: readonly unknown[],
  spec: string,
  run: string,
  weights?: WeightIdentification,
): string {
  const { verdict } = result;
  const lines = [`target: ${spec} (tokenizer files, compared white-box)`];
  if (verdict.status === 'unknown')
    lines.push(
      `unknown: no indexed tokenizer is identical to it or its base (confidence ${percent(verdict.confidence)})`,
    );
  else
    lines.push(
      `${verdict.status}: ${verdict.reference}, family ${verdict.family}, confidence ${percent(verdict.confidence)}`,
    );
  if (verdict.models.length) lines.push(`  models known to use it: ${verdict.models.join(', ')}`);
  // the rows every report format shows, so each reference has one label and one measure wherever it is named
  for (const row of whiteBoxRowsOf(recorded).filter((r) => r.comparison)) {
    lines.push(`  vs ${row.reference}: ${comparisonLine(row)}`);
  }
  const facts = weightFactsOf(weights);
  if (facts) lines.push(...weightLines(facts));
  lines.push(`run: ${run}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `tokprint identify <path>`: the tokenizer's files are at hand, so the index is ranked by vocabulary
 * fingerprint and the closest references are compared with it in full; no request is sent anywhere.
 */
export async function identifyWhiteBoxAction(
  io: CliIo,
  spec: string,
  workspace: Workspace,
  options: WhiteBoxOptions,
): Promise<number> {
  const source = await resolveTokenizerSource(spec, { cwd: io.cwd, env: io.env });
  const suspect = loadResolvedSource(source, options);
  const index = await readReferenceIndex(workspace.indexDir);
  if (!index) throw new UserError('no reference index found; rebuild it with tokprint refs build');
  if (index.references.some((reference) => !reference.fingerprint)) {
    throw new UserError('the reference index has no vocabulary fingerprints; rebuild it with tokprint refs build');
  }
  const result = await identifyWhiteBox(suspect, index, (id) =>
    loadReference(requireEntry(workspace.catalog, id).entry, { cacheRoot: workspace.cacheRoot }),
  );
  const weights = await weightIdentification(io, spec, suspect);
  const run = createRunDir(resolve(io.cwd, options.out ?? 'tokprint-runs'), spec, new Date());
  const json = {
    verdict: result.verdict,
    candidates: result.candidates.slice(0, 5),
    ...(weights && { weights }),
    queries: 0,
    promptTokens: 0,
    run,
    target: spec,
    method: 'white-box',
  };
  const indexFiles = indexFingerprint(workspace.indexDir);
  writeRunJson(run, RUN_FILES.config, {
    target: spec,
    method: 'white-box',
    format: source.format,
    vocabSize: suspect.vocabSize,
    // what was compared, so a reader of the report can check it is the file they hold
    files: [source.files.main, ...(source.files.config ? [source.files.config] : [])].map((file) => ({
      name: file.path,
      sha256: sha256Hex(file.bytes),
    })),
    at: new Date().toISOString(),
    tokprint: toolInfo().version,
    ...(indexFiles && { index: indexFiles }),
    ...(options.operator !== undefined && { operator: options.operator }),
  });
  writeRunJson(run, RUN_FILES.verdict, json);
  const written = options.reports?.length ? await writeReports(run, options.reports) : [];
  if (!options.quiet) for (const path of written) io.stderr(`tokprint: wrote ${path}\n`);
  io.stdout(options.json ? `${JSON.stringify(json)}\n` : verdictText(result, json.candidates, spec, run, weights));
  return 0;
}
