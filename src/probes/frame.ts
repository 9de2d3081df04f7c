/**
 * Every request is the same frame around a body of probes. The fixed head and tail keep the seams with
 * whatever template surrounds the user's text identical in every request, so they fold into the constant.
 * Probes are joined by a blank line, which every indexed tokenizer splits on; build checks that it does.
 */
export const FRAME_HEAD = 'Please reply with OK.';
export const FRAME_TAIL = 'Thanks.';
export const PROBE_SEPARATOR = '\n\n';

export function frameText(probeTexts: readonly string[]): string {
  return [FRAME_HEAD, ...probeTexts, FRAME_TAIL].join(PROBE_SEPARATOR);
}

/** A probe text must not start or end with whitespace, nor hold the separator, or it would merge across seams. */
export function isFrameSafe(text: string): boolean {
  return text.length > 0 && !/^\s|\s$/u.test(text) && !text.includes(PROBE_SEPARATOR);
}
