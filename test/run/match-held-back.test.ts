import { beforeAll, describe, expect, it } from 'vitest';
import { matchHeldBack } from '../../src/run/match-separation.js';
import type { SignatureGroup } from '../../src/scoring/hypotheses.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import type { Verdict } from '../../src/scoring/verdict.js';
import type { CountIndex } from '../../src/signatures/count-index.js';
import { committedCountIndex } from '../helpers/count-index.js';

/**
 * A match under a measured spread stands only once a request a change of the next family would likely leave alone
 * (a stratum pack, not the frame or an edge check) put the two families' predictions further apart than the noise
 * reaches; the same rule holds back a rescored run's match.
 */
let index: CountIndex;
beforeAll(async () => {
  index = await committedCountIndex();
});

function group(reference: string, predicted: number[], match: number, derived: number) {
  return {
    group: { references: [reference], family: reference, models: [] } as unknown as SignatureGroup,
    predicted,
    offset: 0,
    deviations: predicted.map(() => 0),
    match,
    derived,
  };
}

const match: Verdict = {
  status: 'match',
  reference: 'claude-legacy',
  class: ['claude-legacy'],
  family: 'claude-legacy',
  models: [],
  confidence: 0.996,
};

const requests = (...strata: string[]) =>
  strata.map((stratum, seq) => ({ seq, probes: [], promptTokens: 900 + seq * 200, stratum }));

describe('a match through counts that vary per request', () => {
  it('is held back while only the frame and edge checks set it apart from the next family', () => {
    // the stratum pack predicts nearly alike for both; the edge check, which a change touches, parts them
    const post: Posterior = {
      groups: [group('claude-legacy', [938, 1186, 1586], 0.996, 0), group('internlm2', [938, 1189, 1565], 0, 0.003)],
      unknown: 0.001,
    };
    const reason = matchHeldBack(post, match, requests('frame', 'scripts', 'edge'), index, 1);
    expect(reason).toMatch(/^counts vary by about 1 token between identical requests; /);
    expect(reason).toMatch(/a change of internlm2 would likely miss set claude-legacy apart from it/);
  });

  it('stands once a stratum pack put the two further apart than the noise reaches', () => {
    const post: Posterior = {
      groups: [group('claude-legacy', [938, 1186, 1227], 0.996, 0), group('internlm2', [938, 1189, 1268], 0, 0.003)],
      unknown: 0.001,
    };
    expect(matchHeldBack(post, match, requests('frame', 'scripts', 'structure'), index, 1)).toBeUndefined();
  });

  it('is not asked of counts that do not vary, nor of other statuses', () => {
    const post: Posterior = {
      groups: [group('claude-legacy', [938, 1186, 1586], 0.996, 0), group('internlm2', [938, 1189, 1565], 0, 0.003)],
      unknown: 0.001,
    };
    expect(matchHeldBack(post, match, requests('frame', 'scripts', 'edge'), index, 0)).toBeUndefined();
    const derived: Verdict = { ...match, status: 'derived' };
    expect(matchHeldBack(post, derived, requests('frame', 'scripts', 'edge'), index, 1)).toBeUndefined();
  });
});
