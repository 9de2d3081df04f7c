import { PROBE_SEPARATOR } from '../probes/frame.js';
import type { Tokenizer } from '../references/tokenizer.js';
import { rankedGroups } from './verdict.js';
import type { IdentifyResult } from './identify.js';
import type { CountIndex } from '../signatures/count-index.js';

/** How one reference splits a probe: its indexed count, and the pieces when its tokenizer is at hand. */
export interface ProbeSplit {
  reference: string;
  /** Tokens the probe adds to a request, its separator included, as the index counts it. */
  count: number;
  /** Each token of the separator and probe as text; bytes that are not whole UTF-8 characters as `<0xNN>`. */
  tokens?: string[];
}

/** A probe that told the leading hypotheses apart most, as sent in one of the run's requests. */
export interface StrongProbe {
  id: string;
  request: number;
  category: string;
  text: string;
  why: string;
  splits: ProbeSplit[];
}

export type TokenizerFor = (reference: string) => Promise<Tokenizer | undefined>;

const decoder = new TextDecoder('utf-8', { fatal: true });

function hexBytes(bytes: Uint8Array): string {
  return [...bytes].map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
}

/** The text of each token of `text`, in order. */
export function tokenPieces(tokenizer: Tokenizer, text: string): string[] {
  return tokenizer.encode(text).map((id) => {
    const bytes = tokenizer.tokenBytes(id);
    if (!bytes) return tokenizer.tokenString(id) ?? `<id ${id}>`;
    try {
      return decoder.decode(bytes);
    } catch {
      return hexBytes(bytes);
    }
  });
}

/** How a probe is split as it sits in a request: after the blank line that separates it from the one before. */
export function probeSplit(tokenizer: Tokenizer, text: string): string[] {
  return tokenPieces(tokenizer, PROBE_SEPARATOR + text);
}

const noTokenizers: TokenizerFor = async () => undefined;

/**
 * The probes of the sent requests whose counts differ most between the leading hypothesis and the
 * next ones, with each of those references' counts and, where a tokenizer is given, its split.
 */
export async function strongestProbes(
  result: IdentifyResult,
  index: CountIndex,
  tokenizerFor: TokenizerFor = noTokenizers,
  limits: { probes: number; references: number } = { probes: 5, references: 3 },
): Promise<StrongProbe[]> {
  const top = rankedGroups(result.posterior).slice(0, limits.references);
  if (top.length < 2) return [];
  const position = new Map(index.probes.map((probe, i) => [probe.id, i]));
  const sent = result.requests.flatMap((request) =>
    request.probes.map((id) => ({ id, request: request.seq, at: position.get(id) })),
  );
  const scored = sent.flatMap(({ id, request, at }) => {
    if (at === undefined) return [];
    const counts = top.map((score) => score.group.counts[at]);
    const spread = counts.slice(1).reduce((sum, c) => sum + Math.abs(c - counts[0]), 0);
    return spread > 0 ? [{ id, request, at, counts, spread }] : [];
  });
  scored.sort((a, b) => b.spread - a.spread || a.request - b.request);
  const chosen = scored.slice(0, limits.probes);
  const tokenizers = await Promise.all(
    top.map((score) => tokenizerFor(score.group.references[0]).catch(() => undefined)),
  );
  return chosen.map(({ id, request, at, counts }) => {
    const probe = index.probes[at];
    return {
      id,
      request,
      category: probe.category,
      text: probe.text,
      why: probe.why,
      splits: top.map((score, i) => {
        const tokenizer = tokenizers[i];
        const split: ProbeSplit = { reference: score.group.references[0], count: counts[i] };
        if (tokenizer) split.tokens = probeSplit(tokenizer, probe.text);
        return split;
      }),
    };
  });
}

/** The same probes with every split a given tokenizer can fill in; splits already recorded stay as they are. */
export async function withSplits(probes: readonly StrongProbe[], tokenizerFor: TokenizerFor): Promise<StrongProbe[]> {
  return Promise.all(
    probes.map(async (probe) => ({
      ...probe,
      splits: await Promise.all(
        probe.splits.map(async (split) => {
          if (split.tokens) return split;
          const tokenizer = await tokenizerFor(split.reference).catch(() => undefined);
          return tokenizer ? { ...split, tokens: probeSplit(tokenizer, probe.text) } : split;
        }),
      ),
    })),
  );
}
