/**
 * The one way every report and progress line writes a probability: one decimal, and never a rounded
 * "100.0%" or "0.0%" for a value that is not exactly 1 or 0 (those read as certainty the run does not have), and
 * no "100%" at all: a posterior of 1 is the float type running out of digits, not proof.
 */
export function percent(p: number): string {
  // a white-box run compares files and has no probabilities; a hand-edited verdict may lack them too
  if (!Number.isFinite(p)) return '—';
  // a posterior of exactly 1 is the float type running out of digits, not certainty
  if (p >= 1) return '>99.9%';
  if (p <= 0) return '0%';
  const shown = (p * 100).toFixed(1);
  if (shown === '100.0') return '>99.9%';
  if (shown === '0.0') return '<0.1%';
  return `${shown}%`;
}
