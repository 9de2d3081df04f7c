import type { CountNoise } from '../scoring/count-spread.js';

/**
 * What a run measured of its counts' noise, as every report gives it: the numbers, and the one wording of them
 * that the terminal's noise line and the md, html, json, junit and CycloneDX reports all show.
 */
export interface NoiseFacts {
  /** Tokens identical requests' counts moved either side, as measured; 0 while they were billed alike. */
  spread: number;
  /** Repeats of the bare frame sent only to measure it. */
  frameRepeats: number;
  /** Count requests' probes asked again to check a stray. */
  strayChecks: number;
  /** The requests measuring it took: the frame's repeats and the stray checks. */
  requests: number;
  /** Prompt tokens those requests cost. */
  promptTokens: number;
  /** The measurement in words: how far the counts vary, and what measuring it took. */
  summary: string;
  /** Why the run could not name a tokenizer through the noise, when it could not. */
  reason?: string;
  /**
   * The reason where no warning shows it already: a run stopped for unstable counts states its reason in the
   * `usage-count-unstable` warning, so the noise line does not repeat it.
   */
  shownReason?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function noiseFacts(noise: CountNoise | undefined): NoiseFacts | undefined {
  if (!noise) return undefined;
  const strayChecks = noise.packChecks ?? 0;
  const packs = strayChecks ? ` and ${plural(strayChecks, 'pack')} asked again` : '';
  const cost = `${plural(noise.repeats, 'repeat')} of the bare frame${packs}, ${noise.repeatTokens.toLocaleString('en-US')} prompt tokens`;
  const summary = noise.spread
    ? `identical requests' counts vary by about ${plural(noise.spread, 'token')} (measured with ${cost})`
    : `identical requests were billed alike so far (checked with ${cost})`;
  const shown = noise.reason && !noise.reason.startsWith('the target billed') ? noise.reason : undefined;
  return {
    spread: noise.spread,
    frameRepeats: noise.repeats,
    strayChecks,
    requests: noise.repeats + strayChecks,
    promptTokens: noise.repeatTokens,
    summary,
    ...(noise.reason && { reason: noise.reason }),
    ...(shown && { shownReason: shown }),
  };
}

/** The measurement and, where no warning gives it, why the run could not see through it: one sentence, no prefix. */
export function noiseSentence(facts: NoiseFacts): string {
  return facts.shownReason ? `${facts.summary}; ${facts.shownReason}` : facts.summary;
}

/** The summary as a sentence of its own, for reports that give it beside the verdict's reason. */
export function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The terminal line on a measured spread: how far identical requests' counts moved, and what measuring it cost. */
export function noiseLine(noise: CountNoise | undefined): string | undefined {
  const facts = noiseFacts(noise);
  return facts && `noise: ${noiseSentence(facts)}`;
}
