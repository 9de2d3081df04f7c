import { appendFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { IdentifyResult } from '../src/scoring/identify.js';

/**
 * One JSON line per bench run: its requests (probe ids per request, as a digest) and its verdict, so two builds
 * can be compared run by run ("same requests and verdicts") rather than only by their totals.
 */
export class RunTrace {
  constructor(private readonly file: string | undefined) {}

  add(section: string, label: string, result: IdentifyResult): void {
    if (!this.file) return;
    const requests = result.requests.map((r) => `${r.stratum}:${r.probes.join(',')}:${r.promptTokens}`);
    const line = {
      section,
      label,
      status: result.verdict.status,
      reference: result.verdict.reference,
      confidence: Number(result.verdict.confidence.toFixed(4)),
      queries: result.queries,
      promptTokens: result.promptTokens,
      requests: createHash('sha256').update(requests.join('\n')).digest('hex').slice(0, 16),
    };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}
