import type { CountSignature } from '../../signatures/observations.js';
import type { SignatureGroup } from '../hypotheses.js';
import { posterior } from '../posterior.js';
import { emptyScores, type BatchScores } from './batch-scores.js';

/** The plain path: the count posterior itself, once per set. */
export function scoreBatchJs(signatures: readonly CountSignature[], groups: readonly SignatureGroup[]): BatchScores {
  const scores = emptyScores(signatures.length, groups.length);
  signatures.forEach((signature, n) => {
    const post = posterior(signature, groups);
    post.groups.forEach((g, m) => {
      scores.match[n * groups.length + m] = g.match;
      scores.derived[n * groups.length + m] = g.derived;
      scores.offset[n * groups.length + m] = g.offset;
    });
    scores.unknown[n] = post.unknown;
  });
  return scores;
}
