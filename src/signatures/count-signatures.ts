import type { Tokenizer } from '../references/tokenizer.js';
import { FRAME_HEAD, FRAME_TAIL, PROBE_SEPARATOR, frameText, isFrameSafe } from '../probes/frame.js';
import type { Probe } from '../probes/probe.js';
import { sha256Hex } from '../util/hash.js';
import { probeReductions, type ProbeReductions } from './probe-reductions.js';

/**
 * How many tokens each probe adds to a framed request, per reference. Because pre-tokenization splits
 * at the separator, a request's count is the empty frame's count plus the sum of its probes' counts;
 * probes for which that fails for any reference are left out, so the sums hold everywhere.
 */
export interface CountSignatures {
  schema: 1;
  /** Hash of the probe pool texts, to notice a pool edited after the build. */
  poolHash: string;
  frame: { head: string; tail: string; separator: string };
  /** Ids of the probes kept, in the order of every `counts` array. */
  probes: string[];
  references: ReferenceCounts[];
  /** Probes left out, with the first reference that broke additivity for them. */
  dropped: { probe: string; reference: string; reason: string }[];
}

export interface ReferenceCounts {
  id: string;
  contentHash: string;
  /** Tokens of the empty frame. */
  frame: number;
  /** Tokens each kept probe adds to a request. */
  counts: number[];
  /** What each kept probe would gain under a pruned or re-split copy of this vocabulary; guides the check for derived tokenizers. */
  reductions?: ProbeReductions;
}

/** Neighbours a probe is tried between: its count must not change with what surrounds it. */
const NEIGHBOUR_PAIRS: readonly (readonly [string, string])[] = [
  ['information', '我们'],
  ['2048', '🙂'],
  ['a    b', '!!!'],
];

export function poolHash(pool: readonly Probe[]): string {
  return sha256Hex(pool.map((probe) => `${probe.id}\t${probe.text}`).join('\n'));
}

function contribution(tokenizer: Tokenizer, text: string, before: string[], after: string[]): number {
  return (
    tokenizer.encode(frameText([...before, text, ...after])).length -
    tokenizer.encode(frameText([...before, ...after])).length
  );
}

/** Why a probe's count is not additive for this tokenizer, or undefined when it is. */
function additivityProblem(
  tokenizer: Tokenizer,
  text: string,
  alone: number,
  specialTexts: readonly string[],
): string | undefined {
  if (!isFrameSafe(text)) return 'starts or ends with whitespace, or holds the separator';
  if (specialTexts.some((special) => text.includes(special)))
    return "contains a control token's text, which APIs treat differently";
  if (alone <= 0) return `adds ${alone} tokens`;
  for (const [left, right] of NEIGHBOUR_PAIRS) {
    const between = contribution(tokenizer, text, [left], [right]);
    if (between !== alone) return `adds ${alone} tokens alone but ${between} between "${left}" and "${right}"`;
  }
  return undefined;
}

/** Computes every reference's counts for the pool; references are keyed by id. */
export function buildCountSignatures(
  tokenizers: ReadonlyMap<string, Tokenizer>,
  pool: readonly Probe[],
): CountSignatures {
  const specialTexts = [...tokenizers.values()]
    .flatMap((t) => t.specialTokens.map((s) => s.content))
    .filter((s) => s.length > 1);
  const kept: Probe[] = [];
  const dropped: CountSignatures['dropped'] = [];
  const perReference = new Map<string, number[]>();
  const frames = new Map<string, number>();
  for (const [id, tokenizer] of tokenizers) frames.set(id, tokenizer.encode(frameText([])).length);

  for (const probe of pool) {
    const counts = new Map<string, number>();
    let problem: { reference: string; reason: string } | undefined;
    for (const [id, tokenizer] of tokenizers) {
      const alone = tokenizer.encode(frameText([probe.text])).length - frames.get(id)!;
      const reason = additivityProblem(tokenizer, probe.text, alone, specialTexts);
      if (reason) {
        problem = { reference: id, reason };
        break;
      }
      counts.set(id, alone);
    }
    if (problem) {
      dropped.push({ probe: probe.id, ...problem });
      continue;
    }
    kept.push(probe);
    for (const [id, count] of counts) {
      if (!perReference.has(id)) perReference.set(id, []);
      perReference.get(id)!.push(count);
    }
  }
  return {
    schema: 1,
    poolHash: poolHash(pool),
    frame: { head: FRAME_HEAD, tail: FRAME_TAIL, separator: PROBE_SEPARATOR },
    probes: kept.map((probe) => probe.id),
    references: [...tokenizers].map(([id, tokenizer]) => ({
      id,
      contentHash: tokenizer.contentHash,
      frame: frames.get(id)!,
      counts: perReference.get(id) ?? [],
      reductions: probeReductions(tokenizer, kept),
    })),
    dropped,
  };
}
