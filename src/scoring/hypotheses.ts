import type { CountIndex, DenseReductions } from '../signatures/count-index.js';

/**
 * References whose counts agree on every probe: no count request can tell them apart, so they are
 * one hypothesis even when the class index keeps them apart (e.g. same vocabulary, other control tokens).
 */
export interface SignatureGroup {
  /** Index classes with a member in this group. */
  classIds: string[];
  family: string;
  references: string[];
  models: string[];
  counts: Int32Array;
  /** What a pruned or re-split copy of the first reference's vocabulary would add per probe, when indexed. */
  reductions?: DenseReductions;
  /** Prior share: each class weighs the same, split evenly among its references. */
  weight: number;
}

export function signatureGroups(index: CountIndex): SignatureGroup[] {
  const classSize = new Map<string, number>();
  for (const reference of index.references)
    classSize.set(reference.classId, (classSize.get(reference.classId) ?? 0) + 1);
  const classes = classSize.size || 1;
  const byKey = new Map<string, SignatureGroup>();
  for (const reference of index.references) {
    const key = reference.counts.join(',');
    const share = 1 / (classes * classSize.get(reference.classId)!);
    let group = byKey.get(key);
    if (!group) {
      group = {
        classIds: [],
        family: reference.family,
        references: [],
        models: [],
        counts: reference.counts,
        reductions: reference.reductions,
        weight: 0,
      };
      byKey.set(key, group);
    }
    group.references.push(reference.id);
    group.weight += share;
    if (!group.classIds.includes(reference.classId)) group.classIds.push(reference.classId);
    for (const model of index.classes.find((c) => c.id === reference.classId)?.models ?? reference.models) {
      if (!group.models.includes(model)) group.models.push(model);
    }
  }
  return [...byKey.values()];
}

/**
 * Prior belief before any request. Most products run an indexed tokenizer unchanged; some change it;
 * some use one that is not indexed.
 */
export const PRIOR = { match: 0.85, derived: 0.05, unknown: 0.1 };
