import type { Probe } from '../probes/probe.js';
import { UserError } from '../util/errors.js';
import { poolHash, type CountSignatures } from './count-signatures.js';
import { REDUCTIONS, type ProbeReductions, type Reduction } from './probe-reductions.js';

/** What the scorer knows about one reference: its class and its count for every pool probe. */
export interface IndexedCounts {
  id: string;
  family: string;
  classId: string;
  models: string[];
  counts: Int32Array;
  /** Per probe, what a pruned or re-split copy of this vocabulary would add; absent for signatures built without them. */
  reductions?: DenseReductions;
}

export type DenseReductions = Record<Reduction, Int32Array> & {
  /** Per probe, its tokens among the last merges a deep pruning cuts (see DEEP_MERGES). */
  deep: Int32Array;
};

export interface CountClass {
  id: string;
  family: string;
  members: string[];
  models: string[];
}

/** The probes that can be sent and every indexed reference's counts for them. */
export interface CountIndex {
  probes: Probe[];
  references: IndexedCounts[];
  classes: CountClass[];
}

/** The manifest facts the index needs about a reference. */
export interface ReferenceFacts {
  id: string;
  family: string;
  models: string[];
}

/** Class membership from the reference index (index.json), when it has been built. */
export interface ClassAssignment {
  classes: { id: string; family: string; members: string[]; models: string[] }[];
}

/**
 * Joins the generated counts with the pool texts, the manifest and the classes. Without a built
 * class index, references whose counts agree on every probe are taken to be one class.
 */
export function assembleCountIndex(
  signatures: CountSignatures,
  pool: readonly Probe[],
  facts: readonly ReferenceFacts[],
  classAssignment?: ClassAssignment,
): CountIndex {
  if (signatures.poolHash !== poolHash(pool)) {
    throw new UserError(
      'the probe pool changed since the count signatures were built; rebuild them with tokprint refs build',
    );
  }
  // cores are built from probes without these tokens, and scored as no pruning moves them (see DEEP_MERGES)
  const stale = signatures.references.find((r) => r.reductions && !r.reductions.deep);
  if (stale) {
    throw new UserError(
      `the count signatures were built before tokprint kept each probe's deepest merges (${stale.id} has none); rebuild them with tokprint refs build`,
    );
  }
  const byId = new Map(pool.map((probe) => [probe.id, probe]));
  const probes = signatures.probes.map((id) => byId.get(id)!);
  const factsById = new Map(facts.map((fact) => [fact.id, fact]));
  const present = signatures.references.filter((r) => factsById.has(r.id));
  const classOf = new Map<string, string>();
  let classes: CountClass[];
  if (classAssignment) {
    classes = classAssignment.classes
      .map((c) => ({ ...c, members: c.members.filter((m) => present.some((r) => r.id === m)) }))
      .filter((c) => c.members.length > 0);
  } else {
    const byKey = new Map<string, string[]>();
    for (const reference of present) {
      const key = reference.counts.join(',');
      byKey.set(key, [...(byKey.get(key) ?? []), reference.id]);
    }
    classes = [...byKey.values()].map((members) => {
      const head = factsById.get(members[0])!;
      return {
        id: head.id,
        family: head.family,
        members,
        models: [...new Set(members.flatMap((m) => factsById.get(m)!.models))],
      };
    });
  }
  for (const c of classes) for (const member of c.members) classOf.set(member, c.id);
  const references = present
    .filter((r) => classOf.has(r.id))
    .map((r) => {
      const fact = factsById.get(r.id)!;
      return {
        id: r.id,
        family: fact.family,
        classId: classOf.get(r.id)!,
        models: fact.models,
        counts: Int32Array.from(r.counts),
        reductions: r.reductions && denseReductions(r.reductions, signatures.probes),
      };
    });
  return { probes, references, classes };
}

function denseReductions(sparse: ProbeReductions, probeIds: readonly string[]): DenseReductions {
  const dense = (byId: Record<string, number> | undefined) => Int32Array.from(probeIds, (id) => byId?.[id] ?? 0);
  return {
    ...(Object.fromEntries(REDUCTIONS.map((kind) => [kind, dense(sparse[kind])])) as Record<Reduction, Int32Array>),
    // signatures without it were refused (assembleCountIndex)
    deep: dense(sparse.deep),
  };
}

/** The same index with whole classes removed, as if those tokenizers had never been indexed. */
export function withoutClasses(index: CountIndex, classIds: readonly string[]): CountIndex {
  const removed = new Set(classIds);
  return {
    probes: index.probes,
    references: index.references.filter((r) => !removed.has(r.classId)),
    classes: index.classes.filter((c) => !removed.has(c.id)),
  };
}
