import type { VocabularyKeys } from './anchors.js';
import { compareWithStored } from './stored-fingerprint.js';
import type { WeightFingerprint } from './weight-fingerprint.js';
import type { WeightEvidence } from './weight-lineage.js';
import type { Checkpoint } from './weights/checkpoint.js';

/** One stored base model against the suspect's weights, as plain data for JSON and any renderer. */
export interface WeightCandidate extends WeightEvidence {
  reference: string;
}

/** The weight side of a white-box identification: stored bases ranked by score, and what reading cost. */
export interface WeightIdentification {
  /** Best first; `ranking[0].verdict` is the answer (`independent` of every stored base when it says so). */
  ranking: WeightCandidate[];
  bytesRead: number;
  checkpointBytes: number;
}

export async function rankStoredBases(
  suspect: Checkpoint,
  keys: VocabularyKeys,
  stored: readonly { id: string; fingerprint: WeightFingerprint }[],
): Promise<WeightIdentification> {
  const ranking: WeightCandidate[] = [];
  for (const { id, fingerprint } of stored)
    ranking.push({ reference: id, ...(await compareWithStored(fingerprint, suspect, keys)) });
  ranking.sort((a, b) => b.score - a.score || (a.reference < b.reference ? -1 : 1));
  return { ranking, bytesRead: suspect.bytesRead(), checkpointBytes: suspect.size };
}
