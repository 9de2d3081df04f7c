import type { CountIndex } from '../signatures/count-index.js';
import type { Observation } from '../signatures/observations.js';
import { UserError } from '../util/errors.js';
import { signatureGroups } from '../scoring/hypotheses.js';
import type { IdentifyResult, PackLabel, RequestRecord } from '../scoring/identify.js';
import { posterior, type Posterior } from '../scoring/posterior.js';
import { decide } from '../scoring/verdict.js';
import { withRelatives } from '../scoring/verdict-relatives.js';
import { requestSignature } from '../scoring/request-signature.js';
import { unstableVerdict } from '../scoring/usage-check.js';

/**
 * Scores recorded observations again against an index, sending nothing: the verdict a finished run
 * would reach now, e.g. after the index has grown.
 */
export function rescore(
  observations: readonly (Observation & { stratum: PackLabel })[],
  index: CountIndex,
  recordedStop: IdentifyResult['stop'],
  scored?: Posterior,
): IdentifyResult {
  const known = new Set(index.probes.map((p) => p.id));
  const missing = [...new Set(observations.flatMap((o) => o.probes.filter((id) => !known.has(id))))];
  if (missing.length)
    throw new UserError(
      `the index no longer has probe${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} that this run sent`,
    );
  const requests: RequestRecord[] = observations.map((o) => ({
    seq: o.seq,
    probes: o.probes,
    promptTokens: o.promptTokens,
    stratum: o.stratum,
  }));
  const post = scored ?? posterior(requestSignature(requests, index), signatureGroups(index));
  const promptTokens = requests.reduce((sum, r) => sum + r.promptTokens, 0);
  // the run found the same request billed differently: no verdict from these counts, now as then
  if (recordedStop === 'usage-count-unstable')
    return {
      verdict: unstableVerdict(),
      posterior: post,
      requests,
      queries: requests.length,
      promptTokens,
      stop: recordedStop,
      unstable: 'the run found the same request billed differently',
    };
  const confident = decide(post, false);
  return {
    verdict: withRelatives(confident ?? decide(post, true)!, post, requests),
    posterior: post,
    requests,
    queries: requests.length,
    promptTokens,
    stop: confident ? 'confident' : recordedStop === 'confident' ? 'max-queries' : recordedStop,
  };
}
