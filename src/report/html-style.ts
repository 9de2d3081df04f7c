/** The report's whole stylesheet, inlined so the file stands alone. */
export const HTML_STYLE = `
:root { --script-fonts: "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", "Source Han Sans SC", "PingFang SC", "Hiragino Sans", "Microsoft YaHei", "Yu Gothic", "Malgun Gothic", "Noto Sans Devanagari", "Noto Sans Bengali", "Noto Sans Tamil", "Noto Sans Malayalam", "Noto Sans Khmer", "Noto Sans Thai", "Noto Sans Arabic", "Noto Sans Hebrew", "Kohinoor Devanagari", "Devanagari Sangam MN", "Nirmala UI", "Mangal", "Leelawadee UI", "Khmer UI", "Lohit Devanagari", "WenQuanYi Micro Hei"; --ink: #1a202c; --muted: #5a6474; --line: #e2e8f0; --ok: #2f855a; --ok-bg: #e6f4ea; --bad: #c53030; --bad-bg: #fdecec; --warn: #b7791f; --warn-bg: #fdf6e3; --none: #718096; --none-bg: #edf2f7; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", var(--script-fonts), sans-serif; color: var(--ink); background: #f7f8fa; }
main { max-width: 1000px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 15px; font-weight: 600; color: var(--muted); margin: 0 0 4px; letter-spacing: .02em; text-transform: uppercase; }
h2 { font-size: 19px; margin: 36px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 12px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", var(--script-fonts), monospace; font-size: 13px; }
.target { font-size: 14px; color: var(--muted); margin-bottom: 16px; overflow-wrap: anywhere; }
.verdict { background: #fff; border: 1px solid var(--line); border-left: 8px solid var(--none); border-radius: 10px; padding: 22px 26px; display: grid; grid-template-columns: 1fr auto; gap: 8px 28px; box-shadow: 0 1px 3px rgba(0,0,0,.05); }
.verdict.match { border-left-color: var(--ok); }
.verdict.derived { border-left-color: var(--warn); }
.verdict.inconclusive { border-left-color: var(--bad); }
.flags { background: #fff4f2; border: 1px solid var(--bad); border-left: 8px solid var(--bad); border-radius: 10px; padding: 12px 22px; margin: 0 0 16px; }
.flags .flag { margin: 6px 0; }
.verdict .headline { font-size: 26px; font-weight: 700; line-height: 1.25; margin: 0; }
.verdict .detail { margin: 6px 0 0; color: var(--muted); }
.verdict .confidence { text-align: right; }
.verdict .confidence .number { font-size: 34px; font-weight: 700; line-height: 1; }
.verdict.match .number { color: var(--ok); }
.verdict.derived .number { color: var(--warn); }
.verdict .confidence .words { color: var(--muted); font-size: 13px; }
.verdict .meaning { grid-column: 1 / -1; display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-top: 10px; }
.verdict .meaning div { background: #f8fafc; border-radius: 8px; padding: 12px 14px; }
.verdict .meaning h3 { margin: 0 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.verdict .meaning p { margin: 0; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 14px; }
.facts div { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; }
.facts b { display: block; font-size: 18px; }
.facts span { color: var(--muted); font-size: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
svg.posterior-chart { display: block; font-size: 13px; }
svg .grid { stroke: var(--line); }
svg .axis, svg .note { fill: var(--muted); font-size: 11px; }
svg .label { fill: var(--ink); }
svg .label.strong { font-weight: 700; }
svg .value { fill: var(--muted); font-size: 12px; }
svg .fill.leader { fill: var(--ok); }
svg .fill.other { fill: #a0aec0; }
svg .fill.unknown { fill: #4a5568; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f1f4f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hit { background: var(--ok-bg); color: var(--ok); font-weight: 600; }
td.miss { background: var(--bad-bg); color: var(--bad); }
td.hit::after { content: " ✓"; }
td.miss::after { content: " ✗"; }
.scroll { overflow-x: auto; }
.probe { margin: 12px 0; }
.probe .text { font-size: 15px; background: #f1f4f8; border-radius: 6px; padding: 4px 8px; display: inline-block; white-space: pre-wrap; word-break: break-all; }
.probe .why { color: var(--muted); font-size: 13px; margin: 4px 0 8px; }
.splits { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; }
.split { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.split.leader { border-color: var(--ok); background: #fbfefc; }
.split .who { font-weight: 600; font-size: 13px; }
.split .who span { color: var(--muted); font-weight: 400; }
.tok { display: inline-block; margin: 3px 3px 0 0; padding: 1px 5px; border-radius: 4px; background: #e8eefc; border: 1px solid #c9d6f5; white-space: pre; }
.split.leader .tok { background: var(--ok-bg); border-color: #b7dfc4; }
.missing { color: var(--muted); font-style: italic; font-size: 13px; }
.audit { margin-top: 16px; }
.audit h2 { margin: 0 0 8px; font-size: 17px; }
dl.audit-facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; font-size: 14px; }
dl.audit-facts dt { font-weight: 600; color: var(--muted); }
dl.audit-facts dd { margin: 0; overflow-wrap: anywhere; }
.hash { font-size: 12px; word-break: break-all; }
.reproduce-label { margin: 12px 0 4px; font-size: 13px; color: var(--muted); }
pre.reproduce { margin: 0; background: #1a202c; color: #f7fafc; border-radius: 6px; padding: 10px 12px; white-space: pre-wrap; word-break: break-all; }
pre.reproduce code { font-size: 13px; }
.methods p { margin: 0 0 8px; }
.methods ul { margin: 0; padding-left: 20px; }
svg.trail-chart, svg.residual-chart { display: block; font-size: 13px; }
svg .grid.even { stroke: #a0aec0; stroke-width: 1.5; }
svg .end-label { font-size: 13px; font-weight: 600; }
.tok.bytes { border-style: dashed; }
details.raw { margin-top: 6px; font-size: 12px; color: var(--muted); }
details.raw summary { cursor: pointer; }
.similarity .sim-row { display: grid; grid-template-columns: 260px 1fr 110px; gap: 10px; align-items: center; margin: 6px 0; }
.sim-label { text-align: right; font-weight: 600; }
.sim-label .note { font-weight: 400; color: var(--muted); font-size: 12px; }
.sim-track { background: #edf2f7; border-radius: 4px; height: 16px; overflow: hidden; }
.sim-fill { display: block; height: 100%; background: #a0aec0; }
.sim-fill.identical { background: var(--ok); }
.sim-fill.derived { background: var(--warn); }
.sim-value { color: var(--muted); font-size: 13px; font-variant-numeric: tabular-nums; }
ul.comparisons { margin: 0; padding-left: 20px; }
ul.comparisons li { margin: 4px 0; overflow-wrap: anywhere; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
dl.glossary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; font-size: 13px; }
dl.glossary dt { font-weight: 600; }
dl.glossary dd { margin: 0; color: var(--muted); }
@media (max-width: 700px) { .verdict { grid-template-columns: 1fr; } .verdict .confidence { text-align: left; } .verdict .meaning { grid-template-columns: 1fr; } }
@media print { body { background: #fff; } }
`;
