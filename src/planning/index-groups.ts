import type { CountIndex } from '../signatures/count-index.js';
import { signatureGroups, type SignatureGroup } from '../scoring/hypotheses.js';

/** Keyed on the count index object: an index loaded again is grouped again. */
const groupsByIndex = new WeakMap<CountIndex, SignatureGroup[]>();

/**
 * The signature groups of an index, worked out once per index: a process identifying many targets
 * (bench, CI) pays for the grouping once, and the onnxruntime session, kept per group list, is reused.
 */
export function indexGroups(index: CountIndex): SignatureGroup[] {
  let groups = groupsByIndex.get(index);
  if (!groups) {
    groups = signatureGroups(index);
    groupsByIndex.set(index, groups);
  }
  return groups;
}
