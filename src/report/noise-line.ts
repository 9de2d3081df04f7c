import type { CountNoise } from '../scoring/count-spread.js';

/** The terminal line on a measured spread: how far identical requests' counts moved, and what measuring it cost. */
export function noiseLine(noise: CountNoise | undefined): string | undefined {
  if (!noise) return undefined;
  const packs = noise.packChecks ? ` and ${noise.packChecks} pack${noise.packChecks === 1 ? '' : 's'} asked again` : '';
  const cost = `${noise.repeats} repeat${noise.repeats === 1 ? '' : 's'} of the bare frame${packs}, ${noise.repeatTokens.toLocaleString('en-US')} prompt tokens`;
  const head = noise.spread
    ? `noise: identical requests' counts vary by about ${noise.spread} token${noise.spread === 1 ? '' : 's'} (measured with ${cost})`
    : `noise: identical requests were billed alike so far (checked with ${cost})`;
  return noise.reason && !noise.reason.startsWith('the target billed') ? `${head}; ${noise.reason}` : head;
}
