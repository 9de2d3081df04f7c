import type { IdentifyResult } from './identify.js';
import { evidenceLines } from './evidence.js';
import type { GroupScore } from './posterior.js';
import { rankedGroups } from './verdict.js';
import type { TrailPoint } from './posterior-trail.js';
import type { StrongProbe } from './strongest-probes.js';

const CANDIDATES = 5;

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** A candidate as the verdict JSON lists it, and as every report's headline and table read it. */
export function candidateJson(score: GroupScore) {
  return {
    reference: score.group.references[0],
    family: score.group.family,
    posterior: round(score.match + score.derived),
    match: round(score.match),
    derived: round(score.derived),
    class: score.group.references,
  };
}

/** The machine-readable verdict: the documented shape first, extra detail after. */
export function verdictJson(
  result: IdentifyResult,
  context: {
    run: string;
    target: string;
    strongestProbes?: StrongProbe[];
    replayed?: number;
    trail?: TrailPoint[];
  },
) {
  const { verdict } = result;
  return {
    verdict: {
      status: verdict.status,
      reference: verdict.reference,
      class: verdict.class,
      family: verdict.family,
      models: verdict.models,
      confidence: round(verdict.confidence),
      ...(verdict.flags?.length ? { flags: verdict.flags } : {}),
      ...(verdict.nearest?.length ? { nearest: verdict.nearest } : {}),
      ...(verdict.change ? { change: verdict.change } : {}),
      ...(verdict.twins?.length ? { twins: verdict.twins } : {}),
      /** Answers replayed from the answer cache rather than sent to the target. */
      ...(context.replayed ? { replayed: context.replayed } : {}),
    },
    candidates: rankedGroups(result.posterior).slice(0, CANDIDATES).map(candidateJson),
    queries: result.queries,
    promptTokens: result.promptTokens,
    run: context.run,
    target: context.target,
    unknown: round(result.posterior.unknown),
    stop: result.stop,
    ...(result.unstable ? { unstable: result.unstable } : {}),
    /** How far identical requests' counts varied (a hidden prompt that changes), and what measuring it cost. */
    ...(result.noise ? { noise: result.noise } : {}),
    ...(result.engine ? { engine: result.engine } : {}),
    ...(result.channels ? { channels: result.channels } : {}),
    evidence: evidenceLines(result),
    /** Every hypothesis, most probable first, with what it predicts for each request (in request order); for reports. */
    hypotheses: rankedGroups(result.posterior).map((score) => ({
      reference: score.group.references[0],
      family: score.group.family,
      class: score.group.references,
      models: score.group.models,
      posterior: round(score.match + score.derived),
      match: round(score.match),
      derived: round(score.derived),
      predicted: score.predicted,
    })),
    strongestProbes: context.strongestProbes ?? [],
    /** Each hypothesis's log10 odds after each count request, as the run scored them; for reports. */
    ...(context.trail?.length ? { trail: context.trail } : {}),
  };
}
