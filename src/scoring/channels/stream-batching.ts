/** The most tokens a server is taken to send per chunk (vLLM's --stream-interval, TGI and llama.cpp send one). */
export const MAX_BATCH = 8;

/** Log-probabilities of what a vocabulary could only show by a quirk: how hard each kind of misfit counts. */
export interface MisfitCosts {
  /** A chunk the vocabulary cannot spell at all (a byte sequence it cannot emit). */
  impossible: number;
  /** Each piece beyond the batch in a chunk that cannot have been held back. */
  over: number;
  /** Each piece beyond the output tokens billed for the answer. */
  overTotal: number;
  /** Whether how often characters held a batch back counts (soft: a true byte-fallback vocabulary holds often). */
  holdRate: boolean;
}

/**
 * The billed output tokens are a count the provider reports (one that recounts usage with another tokenizer
 * recounts them too), so a total exceeded costs a match and a changed vocabulary alike, and rules nothing out.
 */
const OVER_TOTAL = Math.log(0.1);
export const MATCH_MISFIT: MisfitCosts = {
  impossible: Math.log(1e-4),
  over: Math.log(0.01),
  overTotal: OVER_TOTAL,
  holdRate: true,
};
/** A changed vocabulary lacks or adds a few entries, so what its base cannot spell it may. */
export const DERIVED_MISFIT: MisfitCosts = {
  impossible: Math.log(0.05),
  over: Math.log(0.1),
  overTotal: OVER_TOTAL,
  holdRate: true,
};
/** What a flag may rest on: what the vocabulary cannot spell, without the billed totals or the rate of holds. */
export const ruling = (costs: MisfitCosts): MisfitCosts => ({ ...costs, overTotal: 0, holdRate: false });

/** One streamed answer under one vocabulary: its fewest pieces per non-empty chunk. */
export interface AnswerPieces {
  pieces: readonly number[];
  /** Pieces beyond the batch each chunk may hold (see ChunkPieces). */
  extra: readonly number[];
  /** Output tokens billed for the answer, when known. */
  total?: number;
}

export function logGamma(x: number): number {
  // Stirling series; exact enough for counts of a few or more, shifted up for small ones.
  let shift = 0;
  while (x < 7) shift -= Math.log(x++);
  const inv = 1 / x;
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + inv / 12 - inv ** 3 / 360;
}

/** Log-probability of `hits` in `trials` with the rate unknown: the Beta(1,1) integral of a binomial sequence. */
export function unknownRate(hits: number, trials: number): number {
  return logGamma(hits + 1) + logGamma(trials - hits + 1) - logGamma(trials + 2);
}

export function logSumExp(values: readonly number[]): number {
  const top = Math.max(...values);
  if (!Number.isFinite(top)) return top;
  return top + Math.log(values.reduce((s, v) => s + Math.exp(v - top), 0));
}

/** Misfit and slot counts of the answers under a batch of `n` tokens per chunk. */
function underBatch(answers: readonly AnswerPieces[], n: number, costs: MisfitCosts): number {
  let misfit = 0;
  let slots = 0;
  let spare = 0;
  const held = { times: 0, chances: 0 };
  for (const answer of answers) {
    let sum = 0;
    answer.pieces.forEach((m, k) => {
      if (!Number.isFinite(m)) {
        misfit += costs.impossible;
        return;
      }
      sum += m;
      // the last chunk holds what was left, up to one batch
      const last = k === answer.pieces.length - 1;
      let tokens = n;
      const extra = answer.extra[k];
      if (extra > 0) held.chances++;
      // A character split between tokens holds its bytes back until it is whole: how often that happens is learned
      // over the run, rarely for a vocabulary that holds the characters seen whole.
      if (m > n && m <= n + extra) {
        tokens = Number.isFinite(extra) ? m : n * Math.ceil(m / n);
        held.times++;
      } else if (m > n) {
        misfit += costs.over * (m - n - extra);
        tokens = m;
      }
      if (!last) {
        slots += tokens;
        spare += tokens - m;
      }
    });
    if (answer.total !== undefined && sum > answer.total) misfit += costs.overTotal * (sum - answer.total);
  }
  // A vocabulary coarser than the server's spells a batch in fewer pieces than it holds: the rate of such spare
  // slots is learned over the run, near zero for the true vocabulary.
  return misfit + unknownRate(spare, slots) + (costs.holdRate ? unknownRate(held.times, held.chances) : 0);
}

/**
 * Log-likelihood of the chunks' fewest-piece counts under one vocabulary, the server sending the same unknown
 * number of tokens per chunk (1 to MAX_BATCH, equally likely) over the run. A chunk of n tokens needs at most n
 * entries of the true vocabulary, more only where a character split between tokens held text back.
 */
export function batchingFit(answers: readonly AnswerPieces[], costs: MisfitCosts): number {
  const perBatch = Array.from({ length: MAX_BATCH }, (_, i) => underBatch(answers, i + 1, costs) - Math.log(MAX_BATCH));
  return logSumExp(perBatch);
}
