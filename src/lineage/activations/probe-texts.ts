import { join } from 'node:path';
import { isDomainProbe } from '../../probes/domain.js';
import { readProbePool } from '../../probes/pool-file.js';
import { packageRoot } from '../../references/store/package-root.js';

/** Texts shorter than this (single digits, lone marks) give near-identical rows that say little. */
const MIN_CHARS = 8;
export const ACTIVATION_TEXTS = 256;

/**
 * The probe texts both models read: the committed pool's texts of at least 8 characters (domain terms aside), taken at an even
 * stride so every script and category the pool holds is represented; the same texts for every pair.
 */
export function activationTexts(count = ACTIVATION_TEXTS, poolDir = join(packageRoot(), 'probes')): string[] {
  const texts = readProbePool(poolDir)
    .filter((probe) => !isDomainProbe(probe))
    .map((probe) => probe.text)
    .filter((text) => [...text].length >= MIN_CHARS);
  if (texts.length <= count) return texts;
  const stride = texts.length / count;
  return Array.from({ length: count }, (_, i) => texts[Math.floor(i * stride)]);
}
