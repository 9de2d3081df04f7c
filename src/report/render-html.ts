import { posteriorChart } from './html-chart.js';
import { HTML_STYLE } from './html-style.js';
import { residualChart, trailChart } from './html-trail-chart.js';
import { WEIGHTS_METHOD, weightFacts, weightReadText } from './weight-facts.js';
import {
  evidenceRows,
  hypotheses,
  inSeqOrder,
  isWhiteBox,
  plainVerdict,
  reportFlags,
  sentAs,
  signed,
} from './report-facts.js';
import { shownTarget, withholdsCredentials } from '../util/secrets/secrets.js';
import { reproduceCommand } from './reproduce-command.js';
import { noiseFacts, sentenceCase } from './noise-line.js';
import { NOISE_CEILING } from '../scoring/noise-verdict.js';
import { shownPieces } from './token-pieces.js';
import { comparisonLine, sharedText, WHITE_BOX_METHOD, whiteBoxRows } from './white-box-facts.js';
import type { RunReport } from '../run/run-report.js';
import type { StrongProbe } from '../scoring/strongest-probes.js';
import { visibleText } from './visible-text.js';
import { escapeMarkup as x } from './xml-escape.js';

/** No scripts, no fetches: the policy makes the browser refuse anything a hostile probe text might smuggle in. */
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function verdictSection(report: RunReport): string {
  const plain = plainVerdict(report);
  const s = report.spent;
  const seconds =
    report.started && report.finished
      ? ((Date.parse(report.finished) - Date.parse(report.started)) / 1000).toFixed(1)
      : undefined;
  return `<section class="verdict ${x(plain.status)}" id="verdict" data-status="${x(plain.status)}" data-confidence="${report.verdict.verdict.confidence}">
  <div><p class="headline">${x(plain.headline)}</p>${plain.detail ? `<p class="detail">${x(plain.detail)}</p>` : ''}</div>
  <div class="confidence"><div class="number">${x(plain.confidence)}</div><div class="words">confidence · ${x(plain.certainty)}</div></div>
  <div class="meaning">
    <div><h3>What this shows</h3><p>${x(plain.proves)}</p></div>
    <div><h3>What this does not show</h3><p>${x(plain.doesNotProve)}</p></div>
  </div>
</section>
${
  isWhiteBox(report)
    ? '<div class="facts"><div><b>white-box</b><span>tokenizer files compared, nothing sent</span></div></div>'
    : `<div class="facts">
  <div><b>${s.requests}</b><span>requests sent</span></div>
  <div><b>${s.promptTokens.toLocaleString('en-US')}</b><span>prompt tokens spent</span></div>
  <div><b>${s.completionTokens.toLocaleString('en-US')}</b><span>completion tokens</span></div>
  <div><b>${x(report.channels.join(', ') || 'none')}</b><span>channels used</span></div>
  ${seconds ? `<div><b>${seconds} s</b><span>duration</span></div>` : ''}
</div>${noiseParagraph(report)}`
}`;
}

/** How far identical requests' counts varied and what measuring it took, in the words of the terminal's noise line. */
function noiseParagraph(report: RunReport): string {
  const noise = noiseFacts(report.verdict.noise);
  if (!noise) return '';
  return `\n<p class="lead noise" id="noise" data-spread="${noise.spread}" data-requests="${noise.requests}"><b>Noise:</b> ${x(sentenceCase(noise.summary))}.</p>`;
}

function auditSection(report: RunReport): string {
  const s = report.settings;
  const d = report.transcript.digest;
  const whiteBox = isWhiteBox(report);
  const transcript = whiteBox
    ? 'none: no request was sent'
    : d.state === 'sealed'
      ? `sealed, sha256 <span class="mono hash">${x(d.sha256)}</span>`
      : d.state === 'mismatch'
        ? '<b>does not match its digest: the transcript was changed after the run</b>'
        : 'not sealed with a digest';
  const scope = whiteBox
    ? 'The tokenizer files named above, compared with every indexed reference tokenizer. No request was sent.'
    : `The API named above: ${report.spent.requests} requests, ${report.spent.promptTokens.toLocaleString('en-US')} prompt tokens (budget ${s.budget.maxQueries} requests / ${s.budget.maxPromptTokens.toLocaleString('en-US')} prompt tokens), read through ${x(report.channels.join(', ') || 'no channel')}.`;
  const rows: [string, string][] = [
    ['Target', `<span class="mono">${x(s.target)}</span>${s.description ? ` — ${x(s.description)}` : ''}`],
    ...(whiteBox && s.files?.length
      ? [
          [
            'Files compared',
            s.files
              .map(
                (f) => `<span class="mono">${x(f.name)}</span>, sha256 <span class="mono hash">${x(f.sha256)}</span>`,
              )
              .join('<br>'),
          ] as [string, string],
        ]
      : []),
    ...(!whiteBox
      ? [
          [
            'Model, as the API states it',
            report.servedModels.length
              ? report.servedModels.map((m) => `<span class="mono">${x(m)}</span>`).join(', ')
              : '<span class="missing">not stated in its answers</span>',
          ] as [string, string],
        ]
      : []),
    ['Date', x(report.finished ?? report.started ?? 'not recorded')],
    ['Operator', s.operator ? x(s.operator) : '<span class="missing">not named (identify --operator NAME)</span>'],
    ['Scope', scope],
    [
      'Versions',
      `${x(report.tool.name)} ${x(s.tokprint ?? report.tool.version)}${s.tokprint && s.tokprint !== report.tool.version ? ` (report rendered by ${x(report.tool.version)})` : ''}; reference index ${
        s.index
          ? `${s.index.schema ? `schema ${s.index.schema}, ` : ''}index.json sha256 <span class="mono hash">${x(s.index.sha256)}</span>`
          : '<span class="missing">not recorded</span>'
      }`,
    ],
    ['Transcript', transcript],
  ];
  return `<section class="audit card" id="audit"><h2>Audit</h2><dl class="audit-facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<p class="reproduce-label">To run the same audit again${withholdsCredentials(shownTarget(s.target)) ? ' (put the credentials back where the target shows them redacted)' : ''}:</p>
<pre class="reproduce"><code>${x(reproduceCommand(report))}</code></pre></section>`;
}

function methodsSection(report: RunReport): string {
  if (isWhiteBox(report))
    return `<h2>Method and limitations</h2>
<div class="card methods"><p>${x(WHITE_BOX_METHOD)}</p>
<ul><li>A tokenizer shows lineage: which base model family the files come from. It does not show which model, size or fine-tune ships them, nor whether a product really serves a model with these files.</li>
<li>A tokenizer outside the index is reported as unknown, not guessed.</li></ul></div>`;
  return `<h2>Method and limitations</h2>
<div class="card methods"><p>Every language model cuts text into tokens with its tokenizer, and APIs bill the tokens of each prompt. tokprint sends short texts chosen because different tokenizers cut them into different numbers of tokens, reads what the API reports for each request (and, where asked, the tokens it streams or lists with their probabilities), and compares that with what each indexed reference tokenizer predicts. The first request, without any probe text, measures the fixed part the product adds (its hidden instructions and chat template); later requests are read against it.</p>
<ul><li>It shows the tokenizer, and so the base model family the product descends from. Fine-tuning changes a model's weights but keeps its tokenizer: the report cannot tell which fine-tune, version or size is served, or who serves it.</li>
<li>Only the ${x(String(report.settings.references ?? 'indexed'))} indexed reference tokenizers are known. A product with another tokenizer is reported as unknown, or as a modified one when it is close.</li>
<li>Tokenizers that count every probe alike cannot be told apart and are named together.</li>
<li>The counts are the API's own. An API that pads or rounds them is flagged, and no verdict then rests on the counts alone. A hidden prompt that changes between requests is measured by asking the same request again; the verdict is read through the spread measured, and past a spread of ${NOISE_CEILING} tokens the counts are set aside.</li>
<li>The confidence is a probability given these requests and the index; a different seed sends other probes and can give a slightly different number.</li></ul></div>`;
}

function flagsSection(report: RunReport): string {
  const notes = reportFlags(report);
  if (!notes.length) return '';
  return `<section class="flags" id="flags">${notes.map((n) => `<p class="flag" data-flag="${x(n.flag)}"><b>Warning (${x(n.flag)}):</b> ${x(n.text)}</p>`).join('')}</section>`;
}

function chartSection(report: RunReport): string {
  if (isWhiteBox(report)) return similaritySection(report);
  const trail = trailChart(report);
  const v = report.verdict.verdict;
  if (!trail) {
    // runs from before the trail was recorded: where the hypotheses ended, as bars
    const all = hypotheses(report);
    return `<h2>How likely each tokenizer is</h2>
<p class="lead">After the requests, the probability that the product uses each indexed tokenizer, unchanged or modified, or none of them. This run did not record how the odds moved request by request.</p>
<div class="card">${posteriorChart(all, report.verdict.unknown, v.status === 'match' || v.status === 'derived' ? v.reference : null)}</div>`;
  }
  return `<h2>How the evidence built up</h2>
<p class="lead">The odds of the leading tokenizers after each answered request, on a scale where each step up is ten times likelier (the dashed line: none of the indexed tokenizers). A line that climbs to the top is the one the answers came to favour; lines that fall away are ruled out. Tokenizers that count every probe alike share a line.</p>
<div class="card">${trail}</div>`;
}

function similaritySection(report: RunReport): string {
  const rows = whiteBoxRows(report);
  const bars = rows
    .map(
      (r) =>
        `<div class="sim-row" data-reference="${x(r.reference)}"><span class="sim-label">${x(r.reference)} <span class="note">${x(r.family)} · ${x(r.likeness)}</span></span><span class="sim-track"><span class="sim-fill ${x(r.likeness)}" style="width:${Number.isFinite(r.shared) ? (r.shared * 100).toFixed(1) : 0}%"></span></span><span class="sim-value">${x(sharedText(r))}</span></div>`,
    )
    .join('');
  const compared = rows.filter((r) => r.comparison);
  const weights = weightFacts(report);
  const read = weights && weightReadText(weights);
  const weightCard = weights
    ? `<h2>What the weights show</h2>
<div class="card weights" data-weights="${x(weights.best.verdict)}"><p><b>${x(weights.headline)}</b></p>
<table><thead><tr><th>stored base model</th><th>verdict</th><th class="num">score</th></tr></thead><tbody>${weights.rows.map((w) => `<tr><td>${x(w.reference)}</td><td>${x(w.verdict)}</td><td class="num">${w.score.toFixed(3)}</td></tr>`).join('')}</tbody></table>
${read ? `<p class="note">${x(read)}.</p>` : ''}<p class="note">${x(WEIGHTS_METHOD)}</p></div>`
    : '';
  return `${weightCard}<h2>How close each indexed tokenizer is</h2>
<p class="lead">The share of the two vocabularies that both hold, for the closest indexed tokenizers, and what a full comparison of the files found.</p>
<div class="card similarity">${bars}</div>
${compared.length ? `<h2>What the full comparisons found</h2><div class="card"><ul class="comparisons">${compared.map((r) => `<li><b>${x(r.reference)}</b>: ${x(comparisonLine(r))}</li>`).join('')}</ul></div>` : ''}`;
}

function evidenceSection(report: RunReport): string {
  const { references, rows, followUps } = evidenceRows(report);
  if (!rows.length) return '';
  const head = references.map((r) => `<th class="num">${x(r)}</th>`).join('');
  const body = inSeqOrder(rows, followUps)
    .map((row) => {
      if ('what' in row) {
        const what =
          row.of === undefined
            ? 'the bare frame again, to check the counts'
            : row.what === 'stray check'
              ? `the probes of request #${row.of} again, to check its stray`
              : `follow-up of request #${row.of}`;
        return `<tr class="follow-up"><td>request #${row.seq} ${what}</td><td class="num">—</td><td colspan="${references.length}">not a probe pack: no prediction to compare</td></tr>`;
      }
      const cells = row.cells
        .map((c) =>
          c.predicted === undefined
            ? '<td class="num">—</td>'
            : `<td class="num ${c.matched ? 'hit' : 'miss'}" title="${c.matched ? 'matches' : `off by ${signed(row.observed - c.predicted)}`}">${signed(c.predicted)}</td>`,
        )
        .join('');
      return `<tr><td>request #${row.seq} <span class="mono">${x(row.stratum)}</span>, ${row.probes} probes</td><td class="num"><b>${signed(row.observed)}</b></td>${cells}</tr>`;
    })
    .join('\n');
  const residuals = residualChart(report);
  return `<h2>Where the counts matched</h2>
<p class="lead">Each request after the first carried a pack of probe texts. The first request (no probes) gives the baseline. For the leading tokenizers, how far each one's prediction for a pack is from the tokens the product billed: a dot on the middle line is an exact match.</p>
${residuals ? `<div class="card">${residuals}</div>` : ''}
<p class="lead">The same in numbers: how many tokens each pack added over the baseline, billed by the product and predicted by each tokenizer. Green cells match the bill exactly, red cells do not.</p>
<div class="scroll"><table class="evidence"><thead><tr><th>probe pack</th><th class="num">billed</th>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

function probeBlock(probe: StrongProbe, leader: string | undefined, seq: number): string {
  const splits = probe.splits
    .map((split) => {
      const pieces = split.tokens ? shownPieces(split.tokens) : undefined;
      const tokens = pieces
        ? pieces
            .map(
              (p) =>
                `<span class="tok mono${p.bytes ? ' bytes' : ''}"${p.bytes ? ` title="${x(`${p.raw.length} tokens holding the bytes of this text`)}"` : ''}>${x(visibleText(p.text))}</span>`,
            )
            .join('') +
          (pieces.some((p) => p.bytes)
            ? `<details class="raw"><summary>tokens as bytes</summary>${split.tokens!.map((t) => `<span class="tok mono">${x(visibleText(t))}</span>`).join('')}</details>`
            : '')
        : '<span class="missing">split not recorded (tokenizer not cached during the run)</span>';
      return `<div class="split${split.reference === leader ? ' leader' : ''}"><div class="who">${x(split.reference)} <span>· ${split.count} token${split.count === 1 ? '' : 's'}</span></div>${tokens}</div>`;
    })
    .join('');
  return `<div class="probe card"><span class="text mono">${x(visibleText(probe.text))}</span> <span class="missing">${x(probe.category)}, request #${seq}</span>
<div class="why">${x(probe.why)}</div><div class="splits">${splits}</div></div>`;
}

function probesSection(report: RunReport): string {
  const probes = report.verdict.strongestProbes ?? [];
  if (!probes.length) return '';
  const leader = hypotheses(report)[0]?.reference;
  return `<h2>The probes that told them apart</h2>
<p class="lead">The probe texts whose token counts differ most between the leading tokenizers, and how each of them splits the text. Spaces show as ␣, line breaks as ↵, invisible characters as \\u{…}; a dashed piece is a character a tokenizer splits into several byte tokens (listed under “tokens as bytes”).</p>
${probes.map((p) => probeBlock(p, leader, sentAs(report, p.request))).join('\n')}`;
}

function requestsSection(report: RunReport): string {
  if (isWhiteBox(report)) return '';
  const rows = report.requests
    .map((r) => {
      const lines = [r.lines.request, r.lines.response ?? r.lines.error].filter((n) => n !== undefined).join('–');
      const answer =
        r.promptTokens !== undefined
          ? `${r.promptTokens}`
          : `<span class="missing">${x(r.error ?? 'no answer')}</span>`;
      return `<tr><td class="num">${r.seq}</td><td class="mono">${x(r.at ?? '—')}</td><td>${x(r.stratum ?? '—')}</td><td class="num">${r.probes ?? '—'}</td><td class="num">${r.chars}</td><td class="num">${answer}</td><td class="num">${r.latencyMs !== undefined ? Math.round(r.latencyMs) : '—'}</td><td>${x(r.channels.join(', '))}</td><td class="num mono">${lines}</td></tr>`;
    })
    .join('\n');
  return `<h2>Every request</h2>
<p class="lead">All requests of the run, with the lines of <code>transcript.jsonl</code> that hold each request and its answer.</p>
<div class="scroll"><table class="requests"><thead><tr><th class="num">#</th><th>sent at</th><th>probes from</th><th class="num">probes</th><th class="num">characters</th><th class="num">prompt tokens</th><th class="num">ms</th><th>channels</th><th class="num">transcript lines</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

function glossary(): string {
  return `<h2>How to read this</h2>
<dl class="glossary">
<dt>tokenizer</dt><dd>The part of a language model that cuts text into tokens. A fine-tuned model keeps the tokenizer of its base model, so the tokenizer shows lineage.</dd>
<dt>probe</dt><dd>A short text chosen because different tokenizers cut it into different numbers of tokens.</dd>
<dt>billed tokens</dt><dd>The prompt-token count the product reports for a request. The product's hidden instructions add a constant, which cancels out against the first request.</dd>
<dt>confidence</dt><dd>The probability of the verdict given the counts seen, over every indexed tokenizer and the chance that it is none of them.</dd>
</dl>`;
}

function footer(report: RunReport): string {
  const d = report.transcript.digest;
  const digest =
    d.state === 'sealed'
      ? `sealed, sha256 <span class="mono">${x(d.sha256)}</span>`
      : d.state === 'mismatch'
        ? '<b>does not match its digest</b>'
        : 'not sealed with a digest';
  if (isWhiteBox(report))
    return `<footer>Run <span class="mono">${x(report.dir)}</span> · tokenizer files compared white-box, no request sent · ${x(report.tool.name)} ${x(report.tool.version)}</footer>`;
  return `<footer>Run <span class="mono">${x(report.dir)}</span> · transcript ${report.transcript.lines} lines, ${digest} · seed ${report.settings.seed}, budget ${report.settings.budget.maxQueries} requests / ${report.settings.budget.maxPromptTokens.toLocaleString('en-US')} prompt tokens · ${x(report.tool.name)} ${x(report.tool.version)}</footer>`;
}

/** One self-contained HTML page for readers who are not specialists: verdict first, then the evidence behind it. */
export function renderHtml(report: RunReport): string {
  const plain = plainVerdict(report);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${x(`${report.tool.name} ${report.tool.version}`)}">
<title>${x(`${plain.headline} (${plain.confidence}) — ${report.settings.target}`)}</title>
<style>${HTML_STYLE}</style></head>
<body><main>
<h1>Tokenizer lineage report</h1>
${flagsSection(report)}
<div class="target">Product tested: <b class="mono">${x(report.settings.target)}</b>${report.settings.description ? ` — ${x(report.settings.description)}` : ''}</div>
${verdictSection(report)}
${auditSection(report)}
${chartSection(report)}
${evidenceSection(report)}
${probesSection(report)}
${methodsSection(report)}
${requestsSection(report)}
${glossary()}
${footer(report)}
</main></body></html>
`;
}
