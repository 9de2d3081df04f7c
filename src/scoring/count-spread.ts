/**
 * How far the billed counts of identical requests vary, as a run measured it: the hidden part of a product's
 * prompt (a clock, a request id, retrieved notes) can change on every request.
 */
export interface CountNoise {
  /** Tokens the hidden part moves either side of its middle, as measured. */
  spread: number;
  /** Requests sent only to measure it (the bare frame or a pack asked again). */
  repeats: number;
  /** Prompt tokens those requests cost. */
  repeatTokens: number;
  /** Why the run could not name a tokenizer through the noise, when it could not. */
  reason?: string;
}
