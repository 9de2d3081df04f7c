import {
  evidenceRows,
  hypotheses,
  inSeqOrder,
  isWhiteBox,
  percent,
  plainVerdict,
  reportFlags,
  sentAs,
  signed,
} from './report-facts.js';
import { reproduceCommand } from './reproduce-command.js';
import { noiseFacts, sentenceCase } from './noise-line.js';
import type { RunReport } from '../run/run-report.js';
import { comparisonDetail, sharedText, WHITE_BOX_METHOD, whiteBoxRows } from './white-box-facts.js';
import { WEIGHTS_METHOD, weightFacts, weightReadText } from './weight-facts.js';
import { revealInvisible, visibleText } from './visible-text.js';

/**
 * Text safe inside a markdown table cell or paragraph: no markup, pipes or HTML take effect. Backslash escapes
 * rather than entities, so the source reads as the text does (`a&b`, not `a&amp;b`); an `&` is escaped only
 * where it would start an entity.
 */
export function mdEscape(text: string): string {
  return revealInvisible(text.replace(/\r?\n|\r|\t/g, ' '))
    .replace(/[\\`*_{}[\]()#!|~<>]/g, (c) => `\\${c}`)
    .replace(/&(?=#?\w+;)/g, '\\&');
}

/** A fenced shell block that shows the command exactly, to copy; longer fences than any backtick run inside. */
function mdCommand(command: string): string[] {
  const shown = revealInvisible(command);
  const fence = '`'.repeat(Math.max(3, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return [`${fence}sh`, shown, fence];
}

function mdCode(text: string): string {
  const shown = visibleText(text);
  const ticks = '`'.repeat(Math.max(0, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${ticks} ${shown.replace(/\|/g, '¦')} ${ticks}`;
}

/** Who ran it, when, with which versions and index, and the command that runs it again. */
function auditLines(report: RunReport): string[] {
  const s = report.settings;
  const facts = [
    ...(s.operator ? [`operator ${mdEscape(s.operator)}`] : []),
    ...(report.finished ? [`finished ${report.finished}`] : []),
    `${mdEscape(report.tool.name)} ${mdEscape(s.tokprint ?? report.tool.version)}`,
    ...(s.index ? [`index${s.index.schema ? ` schema ${s.index.schema}` : ''}, sha256 ${s.index.sha256}`] : []),
    ...(s.files ?? []).map((f) => `file ${mdEscape(f.name)}, sha256 ${f.sha256}`),
    ...(report.servedModels.length
      ? [`model as the API states it: ${report.servedModels.map(mdEscape).join(', ')}`]
      : []),
  ];
  return [
    '## Audit',
    '',
    `${facts.join('; ')}.`,
    '',
    'To run it again:',
    '',
    ...mdCommand(reproduceCommand(report)),
    '',
  ];
}

/** A white-box run: the references compared with the files, and how; no requests, so no evidence table. */
function whiteBoxMarkdown(report: RunReport, out: string[]): string {
  out.push(
    '## Closest references',
    '',
    '| reference | family | likeness | vocabulary | full comparison |',
    '|---|---|---|---|---|',
  );
  for (const r of whiteBoxRows(report).slice(0, 10))
    out.push(
      `| ${mdEscape(r.reference)} | ${mdEscape(r.family)} | ${mdEscape(r.likeness)} | ${sharedText(r)} | ${mdEscape(comparisonDetail(r) || '—')} |`,
    );
  const weights = weightFacts(report);
  if (weights) {
    out.push(
      '',
      '## Weights',
      '',
      mdEscape(weights.headline),
      '',
      '| stored base model | verdict | score |',
      '|---|---|---|',
    );
    for (const w of weights.rows) out.push(`| ${mdEscape(w.reference)} | ${w.verdict} | ${w.score.toFixed(3)} |`);
    const read = weightReadText(weights);
    if (read) out.push('', `${read}.`);
  }
  out.push(
    '',
    '## Method',
    '',
    WHITE_BOX_METHOD,
    ...(weights ? ['', WEIGHTS_METHOD] : []),
    '',
    `Run: \`${report.dir.replace(/`/g, '')}\`. ${report.tool.name} ${report.tool.version}.`,
    '',
  );
  return out.join('\n');
}

/** A report for issue trackers and pull requests: the same facts as the HTML report, in GitHub-flavoured markdown. */
export function renderMarkdown(report: RunReport): string {
  const plain = plainVerdict(report);
  const out: string[] = [];
  out.push(`# Tokenizer lineage: ${mdEscape(report.settings.target)}`, '');
  for (const note of reportFlags(report))
    out.push(`> **Warning (${mdEscape(note.flag)}):** ${mdEscape(note.text)}`, '');
  if (report.settings.description) out.push(mdEscape(report.settings.description), '');
  out.push(`**${mdEscape(plain.headline)}** — confidence ${mdEscape(plain.confidence)} (${plain.certainty}).`, '');
  if (plain.detail) out.push(`${mdEscape(plain.detail[0].toUpperCase() + plain.detail.slice(1))}.`, '');
  out.push(`- **Shows:** ${mdEscape(plain.proves)}`, `- **Does not show:** ${mdEscape(plain.doesNotProve)}`);
  const noise = noiseFacts(report.verdict.noise);
  if (noise) out.push(`- **Noise:** ${mdEscape(sentenceCase(noise.summary))}.`);
  out.push('');
  out.push(...auditLines(report));
  if (isWhiteBox(report)) return whiteBoxMarkdown(report, out);

  out.push('## Candidates', '', '| reference | family | same counts as | probability |', '|---|---|---|---|');
  for (const h of hypotheses(report).slice(0, 10))
    out.push(
      `| ${mdEscape(h.reference)} | ${mdEscape(h.family)} | ${mdEscape(h.class.slice(1).join(', ') || '—')} | ${mdEscape(percent(h.posterior))} |`,
    );
  out.push(`| *none of these* | | | ${mdEscape(percent(report.verdict.unknown))} |`, '');

  const { references, rows, followUps } = evidenceRows(report);
  if (rows.length) {
    out.push(
      '## Evidence',
      '',
      'Tokens each probe pack added over the bare frame: billed by the target, and predicted by each reference (✓ equal, ✗ not).',
      '',
    );
    out.push(
      `| request | probes | billed | ${references.map(mdEscape).join(' | ')} |`,
      `|---|---|---|${references.map(() => '---|').join('')}`,
    );
    for (const line of inSeqOrder(rows, followUps)) {
      if ('what' in line) {
        const what =
          line.of === undefined
            ? 'bare frame again, to check the counts'
            : line.what === 'stray check'
              ? `probes of #${line.of} again, to check its stray`
              : `follow-up of #${line.of}`;
        out.push(`| #${line.seq} | ${what} | — | ${references.map(() => '—').join(' | ')} |`);
        continue;
      }
      const cells = line.cells.map((c) =>
        c.predicted === undefined ? '—' : `${signed(c.predicted)} ${c.matched ? '✓' : '✗'}`,
      );
      out.push(
        `| #${line.seq} | ${line.probes} ${mdEscape(line.stratum)} | ${signed(line.observed)} | ${cells.join(' | ')} |`,
      );
    }
    out.push('');
  }

  const strongest = report.verdict.strongestProbes ?? [];
  if (strongest.length) {
    out.push('## Strongest probes', '');
    for (const probe of strongest) {
      out.push(`- ${mdCode(probe.text)} (${mdEscape(probe.category)}, request #${sentAs(report, probe.request)})`);
      for (const split of probe.splits) {
        const tokens = split.tokens ? split.tokens.map(mdCode).join(' ') : '*(tokenizer not cached)*';
        out.push(`  - ${mdEscape(split.reference)}: ${split.count} tokens ${tokens}`);
      }
    }
    out.push('');
  }

  const s = report.spent;
  out.push(
    '## Cost',
    '',
    `${s.requests} requests, ${s.promptTokens.toLocaleString('en-US')} prompt tokens, ${s.completionTokens.toLocaleString('en-US')} completion tokens; channels: ${report.channels.join(', ') || 'none'}.`,
    '',
  );
  out.push('## Requests', '', '| # | sent | probes | prompt tokens | transcript lines |', '|---|---|---|---|---|');
  for (const r of report.requests) {
    const lines = [r.lines.request, r.lines.response ?? r.lines.error].filter((n) => n !== undefined).join('–');
    out.push(
      `| ${r.seq} | ${r.at ?? '—'} | ${r.probes ?? '—'} ${mdEscape(r.stratum ?? '')} | ${r.promptTokens ?? mdEscape(r.error ?? '—')} | ${lines} |`,
    );
  }
  out.push(
    '',
    `Run: \`${report.dir.replace(/`/g, '')}\`; transcript ${report.transcript.digest.state === 'sealed' ? `sealed, sha256 ${report.transcript.digest.sha256}` : report.transcript.digest.state === 'mismatch' ? '**does not match its digest**' : 'without a digest'}. ${report.tool.name} ${report.tool.version}.`,
    '',
  );
  return out.join('\n');
}
