import { defineChannel } from './channel.js';
import { boundariesWithin, compareExact, referenceBoundaries, type ExactComparison } from './segmentation.js';

/**
 * Chance per token that the server's segmentation of a message differs from its own tokenizer's
 * encoding of the message alone: special-token look-alikes a template parses, a normalizer's quirks.
 */
const MATCH_EDIT_RATE = 0.005;
/** A changed vocabulary segments like its base except where its tokens changed. */
const DERIVED_EDIT_RATE = 0.02;
/** An unindexed tokenizer is taken to differ from the closest reference this often per token. */
const UNKNOWN_EDIT_RATE = 0.05;

function logLikelihood(edits: number, tokens: number, rate: number): number {
  const e = Math.min(edits, tokens);
  return e * Math.log(rate) + (tokens - e) * Math.log(1 - rate);
}

/**
 * The prompt cut into the server's own tokens (a completions echo, vLLM prompt logprobs, a tokenize
 * endpoint's pieces) against each loaded reference's segmentation of the same message. Unlike chunk edges
 * these are exact: every edge is a token edge and every token edge shows, so each token edit counts.
 * A few hundred prompt tokens say far more than a short answer's. Groups whose encoder is not loaded
 * score as the worst loaded group.
 */
export const promptChannel = defineChannel({
  name: 'prompt',
  help: "the prompt in the server's own tokens (completions echo, prompt logprobs, tokenize pieces)",
  asks: { wantPromptTokens: true },
  promptOnly: true,
  seen: true,
  needsEncoder: true,
  score(observations, { groups, encoder }) {
    const seen = observations.flatMap((o) => {
      if (!o.prompt) return [];
      const { tokens } = o.prompt;
      // A server that normalizes (NFC) tokenized other code points than were sent; its text is what it cut.
      for (const content of new Set([o.prompt.content, o.prompt.content.normalize('NFC')])) {
        const observed = boundariesWithin(tokens, content);
        if (observed && observed.size >= 2) return [{ content, observed, source: tokens.source }];
      }
      return [];
    });
    if (!seen.length) return undefined;
    const loaded = groups.flatMap((_, g) => (encoder(g) ? [g] : []));
    if (!loaded.length) return undefined;
    const compared = new Map<number, { edits: number; tokens: number }>();
    for (const g of loaded) {
      const comparisons = seen.flatMap((s): ExactComparison[] => {
        const reference = referenceBoundaries(encoder(g)!, s.content);
        const comparison = reference && compareExact(s.content, s.observed, reference);
        return comparison ? [comparison] : [];
      });
      // Messages a reference cannot spell back (its normalizer changed the text) count for it as its average one.
      if (!comparisons.length) continue;
      const scale = seen.length / comparisons.length;
      compared.set(g, {
        edits: comparisons.reduce((sum, c) => sum + c.editDistance, 0) * scale,
        tokens: comparisons.reduce((sum, c) => sum + c.tokens, 0) * scale,
      });
    }
    if (!compared.size) return undefined;
    const score = (g: number, rate: number) => logLikelihood(compared.get(g)!.edits, compared.get(g)!.tokens, rate);
    const scored = [...compared.keys()];
    const worstMatch = Math.min(...scored.map((g) => score(g, MATCH_EDIT_RATE)));
    const worstDerived = Math.min(...scored.map((g) => score(g, DERIVED_EDIT_RATE)));
    const closest = scored.reduce(
      (best, g) => (compared.get(g)!.edits < compared.get(best)!.edits ? g : best),
      scored[0],
    );
    const sources = [...new Set(seen.map((s) => s.source))].join(', ');
    return {
      match: groups.map((_, g) => (compared.has(g) ? score(g, MATCH_EDIT_RATE) : worstMatch)),
      derived: groups.map((_, g) => (compared.has(g) ? score(g, DERIVED_EDIT_RATE) : worstDerived)),
      unknown: score(closest, UNKNOWN_EDIT_RATE),
      unscored: groups.map((_, g) => !compared.has(g)),
      note: `${seen.length} prompts in the server's own tokens (${sources}); the closest of ${scored.length} references is ${Math.round(compared.get(closest)!.edits)} token edits from them`,
    };
  },
});
