/**
 * How far the billed counts of identical requests vary, as a run measured it: the hidden part of a product's
 * prompt (a clock, a request id, retrieved notes) can change on every request.
 */
export interface CountNoise {
  /** Tokens the hidden part moves either side of its middle, as measured. */
  spread: number;
  /** Repeats of the bare frame sent only to measure it. */
  repeats: number;
  /** Packs asked again to check a stray, when any were (their counts measure it too). */
  packChecks?: number;
  /** Prompt tokens those requests cost, the frame's repeats and the packs asked again. */
  repeatTokens: number;
  /** Why the run could not name a tokenizer through the noise, when it could not. */
  reason?: string;
}
