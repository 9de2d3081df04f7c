import { posteriorChart } from './html-chart.js';
import { HTML_STYLE } from './html-style.js';
import { evidenceRows, hypotheses, inSeqOrder, plainVerdict, reportFlags, sentAs, signed } from './report-facts.js';
import type { RunReport } from './run-report.js';
import type { StrongProbe } from './strongest-probes.js';
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
<div class="facts">
  <div><b>${s.requests}</b><span>requests sent</span></div>
  <div><b>${s.promptTokens.toLocaleString('en-US')}</b><span>prompt tokens spent</span></div>
  <div><b>${s.completionTokens.toLocaleString('en-US')}</b><span>completion tokens</span></div>
  <div><b>${x(report.channels.join(', ') || 'none')}</b><span>channels used</span></div>
  ${seconds ? `<div><b>${seconds} s</b><span>duration</span></div>` : ''}
</div>`;
}

function flagsSection(report: RunReport): string {
  const notes = reportFlags(report);
  if (!notes.length) return '';
  return `<section class="flags" id="flags">${notes.map((n) => `<p class="flag" data-flag="${x(n.flag)}"><b>Warning (${x(n.flag)}):</b> ${x(n.text)}</p>`).join('')}</section>`;
}

function chartSection(report: RunReport): string {
  const all = hypotheses(report);
  const v = report.verdict.verdict;
  const partial = report.verdict.hypotheses?.length ? '' : ' This run recorded only its top candidates.';
  return `<h2>How likely each tokenizer is</h2>
<p class="lead">After the requests, the probability that the product uses each indexed tokenizer, unchanged or modified, or none of them. Tokenizers that count every probe alike share a bar (“+n alike”). The confidence above is for the verdict exactly as worded, so it can be a little lower than the leading bar.${x(partial)}</p>
<div class="card">${posteriorChart(all, report.verdict.unknown, v.status === 'match' || v.status === 'derived' ? v.reference : null)}</div>`;
}

function evidenceSection(report: RunReport): string {
  const { references, rows, followUps } = evidenceRows(report);
  if (!rows.length) return '';
  const head = references.map((r) => `<th class="num">${x(r)}</th>`).join('');
  const body = inSeqOrder(rows, followUps)
    .map((row) => {
      if ('what' in row) {
        const what =
          row.of === undefined ? 'the bare frame again, to check the counts' : `follow-up of request #${row.of}`;
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
  return `<h2>Where the counts matched</h2>
<p class="lead">Each request after the first carried a pack of probe texts. The first request (no probes) gives the baseline; the table shows how many tokens each pack added over it: billed by the product, and predicted by each tokenizer. Green cells match the bill exactly, red cells do not.</p>
<div class="scroll"><table class="evidence"><thead><tr><th>probe pack</th><th class="num">billed</th>${head}</tr></thead><tbody>
${body}
</tbody></table></div>`;
}

function probeBlock(probe: StrongProbe, leader: string | undefined, seq: number): string {
  const splits = probe.splits
    .map((split) => {
      const tokens = split.tokens
        ? split.tokens.map((t) => `<span class="tok mono">${x(visibleText(t))}</span>`).join('')
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
<p class="lead">The probe texts whose token counts differ most between the leading tokenizers, and how each of them splits the text. Spaces show as ␣, line breaks as ↵, invisible characters as \\u{…}.</p>
${probes.map((p) => probeBlock(p, leader, sentAs(report, p.request))).join('\n')}`;
}

function requestsSection(report: RunReport): string {
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
${chartSection(report)}
${evidenceSection(report)}
${probesSection(report)}
${requestsSection(report)}
${glossary()}
${footer(report)}
</main></body></html>
`;
}
