import { filterHas } from '../../signatures/vocab-membership.js';
import type { Channel, ChannelObservation } from './channel.js';

/** Chance that a token the true vocabulary lacks is seen anyway (a server's rendering quirk, a lossy byte). */
const MATCH_ERROR = 0.01;
/** A derived vocabulary drops or adds tokens, so it may lack some it emits. */
const DERIVED_ERROR = 0.1;

function distinctTokens(observations: readonly ChannelObservation[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const o of observations) {
    for (const t of o.tokens ?? []) {
      for (const bytes of [t.bytes, ...t.alternatives]) if (bytes.length) seen.set(Buffer.from(bytes).toString('latin1'), bytes);
    }
  }
  return [...seen.values()];
}

/**
 * Every output token and every listed alternative is a member of the target's vocabulary: a group
 * whose classes all lack one is all but ruled out. An unindexed vocabulary is taken to hold a token
 * about as often as the indexed classes do, so tokens every class has say nothing and rare ones a lot.
 */
export const logprobChannel: Channel = {
  name: 'logprobs',
  score(observations, { groups, membership }) {
    if (!membership) return undefined;
    const tokens = distinctTokens(observations);
    if (!tokens.length) return undefined;
    const classes = membership.classes;
    const filterOf = new Map(classes.map((c) => [c.id, c.filter]));
    const match = new Array<number>(groups.length).fill(0);
    const derived = new Array<number>(groups.length).fill(0);
    let unknown = 0;
    let ruledOutBest = Infinity;
    for (const bytes of tokens) {
      const inClass = new Map(classes.map((c) => [c.id, filterHas(c.filter, bytes)]));
      const holders = [...inClass.values()].filter(Boolean).length;
      unknown += Math.log((1 - MATCH_ERROR) * ((holders + 0.5) / (classes.length + 1)) + MATCH_ERROR);
      groups.forEach((group, g) => {
        const known = group.classIds.filter((id) => filterOf.has(id));
        const present = known.length === 0 ? holders / classes.length > 0.5 : known.some((id) => inClass.get(id));
        match[g] += Math.log(present ? 1 - MATCH_ERROR : MATCH_ERROR);
        derived[g] += Math.log(present ? 1 - DERIVED_ERROR : DERIVED_ERROR);
      });
    }
    const missing = match.map((m) => Math.round((tokens.length * Math.log(1 - MATCH_ERROR) - m) / (Math.log(1 - MATCH_ERROR) - Math.log(MATCH_ERROR))));
    ruledOutBest = Math.min(...missing);
    return { match, derived, unknown, note: `${tokens.length} distinct logprob tokens; the best group lacks ${ruledOutBest}` };
  },
};
