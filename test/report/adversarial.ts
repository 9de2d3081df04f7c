import type { RunReport } from '../../src/run/run-report.js';

/** Text a hostile product or probe could carry into a report: markup, script, quotes, table pipes, control and invisible characters. */
export const HOSTILE =
  '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">|`**x**`| & "q" \'s\' \u0007\u202e\ufeff';

/** The same run with hostile text in every free-text field a renderer shows. */
export function hostileReport(report: RunReport): RunReport {
  const probes = (report.verdict.strongestProbes ?? []).map((p) => ({
    ...p,
    text: HOSTILE + p.text,
    why: HOSTILE,
    splits: p.splits.map((s) => ({ ...s, tokens: [HOSTILE, ...(s.tokens ?? [])] })),
  }));
  return {
    ...report,
    settings: { ...report.settings, target: `sim:x?${HOSTILE}`, description: HOSTILE },
    verdict: { ...report.verdict, strongestProbes: probes },
    requests: report.requests.map((r, i) => (i === 0 ? { ...r, error: HOSTILE } : r)),
  };
}
