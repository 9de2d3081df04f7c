import { percent, signed } from './report-facts.js';
import { noiseLine } from './noise-line.js';
import { verdictHeadline } from './verdict-headline.js';
import { flagLines, flagNotes } from './verdict-flags.js';
import type { IdentifyResult } from '../scoring/identify.js';
import { evidenceLines } from '../scoring/evidence.js';
import { rankedGroups } from '../scoring/verdict.js';
import { candidateJson } from '../scoring/verdict-json.js';

/** The short human verdict printed by `tokprint identify`. */
export function verdictText(
  result: IdentifyResult,
  context: { run: string; target: string; description: string },
): string {
  const flags = flagNotes(
    result.verdict.flags,
    result.channels?.consistency.trusted?.reason ?? result.channels?.consistency.reason ?? result.unstable,
  );
  const ranked = rankedGroups(result.posterior);
  // the candidate the table ranks first, as the verdict JSON lists it
  const leading = ranked[0];
  const lines = [
    ...flagLines(flags),
    `target: ${context.target} (${context.description})`,
    verdictHeadline(result.verdict, result.stop, undefined, leading && candidateJson(leading)),
  ];
  const v = result.verdict;
  if (v.models.length) lines.push(`  models known to use it: ${v.models.join(', ')}`);
  if (v.status === 'match' || v.status === 'derived')
    lines.push('  tokenizer evidence shows the base tokenizer (lineage), not which fine-tune');
  lines.push(`spent: ${result.queries} requests, ${result.promptTokens.toLocaleString('en-US')} prompt tokens`);
  const noise = noiseLine(result.noise);
  if (noise) lines.push(noise);
  const evidence = evidenceLines(result);
  if (evidence.length) {
    lines.push('evidence (tokens over the bare frame):');
    for (const e of evidence) {
      const runner = e.runnerUp ? `; ${e.runnerUp.reference} predicts ${signed(e.runnerUp.predicted)}` : '';
      lines.push(
        `  request ${e.request} (${e.stratum}, ${e.probes} probes): observed ${signed(e.observed)}, ${e.best.reference} predicts ${signed(e.best.predicted)}${runner}`,
      );
    }
  }
  lines.push(
    `candidates: ${ranked
      .slice(0, 3)
      .map((s) => `${s.group.references[0]} ${percent(s.match + s.derived)}`)
      .join(', ')}, unknown ${percent(result.posterior.unknown)}`,
  );
  lines.push(`run: ${context.run}`);
  return `${lines.join('\n')}\n`;
}
