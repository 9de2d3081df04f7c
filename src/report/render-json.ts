import { evidenceRows, hypotheses, isWhiteBox, plainVerdict, reportFlags } from './report-facts.js';
import { whiteBoxRows } from './white-box-facts.js';
import { reproduceCommand } from './reproduce-command.js';
import { noiseFacts } from './noise-line.js';
import type { RunReport } from '../run/run-report.js';

export const JSON_REPORT_VERSION = 1;

/**
 * How far identical requests' counts varied, or null when the run saw no sign of it: the spread in tokens, the
 * requests that measured it (repeats of the bare frame, packs asked again to check a stray) and their prompt
 * tokens, the measurement in words, and why the run could not name a tokenizer through it (null when it could).
 */
function noiseJson(report: RunReport) {
  const noise = noiseFacts(report.verdict.noise);
  if (!noise) return null;
  const { spread, frameRepeats, strayChecks, requests, promptTokens, summary } = noise;
  return { spread, frameRepeats, strayChecks, requests, promptTokens, summary, reason: noise.reason ?? null };
}

/** The verdict with its evidence and every request, under field names that stay put between versions. */
export function renderJson(report: RunReport): string {
  const v = report.verdict;
  const plain = plainVerdict(report);
  const { rows } = evidenceRows(report, Infinity);
  const value = {
    report: { format: 'tokprint-run-report', version: JSON_REPORT_VERSION, tool: report.tool },
    target: {
      id: report.settings.target,
      description: report.settings.description,
      whiteBox: isWhiteBox(report),
      ...(report.servedModels.length && { modelsStated: report.servedModels }),
    },
    verdict: {
      ...v.verdict,
      summary: plain.headline,
      certainty: plain.certainty,
      shows: plain.proves,
      doesNotShow: plain.doesNotProve,
      // each flag in words, the first with why (the counts set aside, or what the tokens seen dispute)
      warnings: reportFlags(report),
    },
    ...(isWhiteBox(report) && { comparisons: whiteBoxRows(report) }),
    audit: {
      operator: report.settings.operator ?? null,
      tokprint: report.settings.tokprint ?? null,
      index: report.settings.index ?? null,
      command: reproduceCommand(report),
    },
    stop: v.stop,
    unknown: v.unknown,
    noise: noiseJson(report),
    hypotheses: hypotheses(report).map(({ reference, family, class: members, posterior, match, derived }) => ({
      reference,
      family,
      class: members,
      posterior,
      match,
      derived,
    })),
    evidence: {
      packs: rows.map((row) => ({
        request: row.seq,
        stratum: row.stratum,
        probes: row.probes,
        observed: row.observed,
        predicted: row.cells.map((cell) => ({
          reference: cell.reference,
          tokens: cell.predicted ?? null,
          matched: cell.matched ?? null,
        })),
      })),
      strongestProbes: v.strongestProbes ?? [],
    },
    spent: { ...report.spent, channels: report.channels },
    budget: report.settings.budget,
    seed: report.settings.seed,
    requests: report.requests.map((r) => ({
      seq: r.seq,
      at: r.at ?? null,
      transcriptLines: r.lines,
      stratum: r.stratum ?? null,
      probes: r.probes ?? null,
      chars: r.chars,
      promptTokens: r.promptTokens ?? null,
      completionTokens: r.completionTokens ?? null,
      latencyMs: r.latencyMs ?? null,
      channels: r.channels,
      error: r.error ?? null,
    })),
    run: {
      dir: report.dir,
      started: report.started ?? null,
      finished: report.finished ?? null,
      transcriptLines: report.transcript.lines,
      digest: report.transcript.digest,
      resumed: report.transcript.resumed,
    },
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}
