import type { IdentifyResult } from '../scoring/identify.js';
import { evidenceLines } from '../scoring/evidence.js';
import { rankedGroups } from '../scoring/verdict.js';

const percent = (p: number) => `${(p * 100).toFixed(p > 0.999 || p < 0.001 ? 2 : 1)}%`;
const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);

function headline(result: IdentifyResult): string {
  const v = result.verdict;
  const members = v.class.length > 1 ? ` (same counts as ${v.class.filter((id) => id !== v.reference).join(', ')})` : '';
  switch (v.status) {
    case 'match':
      return `match: ${v.reference}${members}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'derived':
      return `derived: a modified ${v.reference} tokenizer${members}, family ${v.family}, confidence ${percent(v.confidence)}`;
    case 'unknown':
      return `unknown: no indexed tokenizer fits, confidence ${percent(v.confidence)}`;
    case 'inconclusive':
      return `inconclusive: the budget ran out before any verdict was sure (${result.stop})`;
  }
}

/** The short human verdict printed by `tokprint identify`. */
export function verdictText(result: IdentifyResult, context: { run: string; target: string; description: string }): string {
  const lines = [`target: ${context.target} (${context.description})`, headline(result)];
  const v = result.verdict;
  if (v.models.length) lines.push(`  models known to use it: ${v.models.join(', ')}`);
  if (v.status === 'match' || v.status === 'derived') lines.push('  tokenizer evidence shows the base tokenizer (lineage), not which fine-tune');
  lines.push(`spent: ${result.queries} requests, ${result.promptTokens.toLocaleString('en-US')} prompt tokens`);
  const evidence = evidenceLines(result);
  if (evidence.length) {
    lines.push('evidence (tokens over the bare frame):');
    for (const e of evidence) {
      const runner = e.runnerUp ? `; ${e.runnerUp.reference} predicts ${signed(e.runnerUp.predicted)}` : '';
      lines.push(`  request ${e.request} (${e.stratum}, ${e.probes} probes): observed ${signed(e.observed)}, ${e.best.reference} predicts ${signed(e.best.predicted)}${runner}`);
    }
  }
  const ranked = rankedGroups(result.posterior).slice(0, 3);
  lines.push(`candidates: ${ranked.map((s) => `${s.group.references[0]} ${percent(s.match + s.derived)}`).join(', ')}, unknown ${percent(result.posterior.unknown)}`);
  lines.push(`run: ${context.run}`);
  return lines.join('\n') + '\n';
}
