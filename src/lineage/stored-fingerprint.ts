import { UserError } from '../util/errors.js';
import { keyIds, sharedKeysInOrder, type VocabularyKeys } from './anchors.js';
import { compareFingerprints, type WeightEvidence } from './weight-lineage.js';
import { type WeightFingerprint, weightFingerprint } from './weight-fingerprint.js';
import type { Checkpoint } from './weights/checkpoint.js';

/** What a stored fingerprint samples: enough to compare by, small enough to keep (well under 1 MB) and to read. */
export const STORED_LAYERS = 8;
export const STORED_HEADS_PER_LAYER = 4;

/**
 * The compact fingerprint kept for a reference model: inner products of 128 anchor tokens' embedding rows, and for
 * up to 8 layers spread over the depth, 4 heads' attention logits between 32 anchors. Anchors are the model's own
 * tokens in the fixed order, so a derived model with a grown or reordered vocabulary picks nearly the same ones.
 */
export function storedWeightFingerprint(checkpoint: Checkpoint, keys: VocabularyKeys): Promise<WeightFingerprint> {
  const ids = keyIds(keys, checkpoint.embedding.rows);
  return weightFingerprint(checkpoint, {
    anchorKeys: sharedKeysInOrder(ids),
    ids,
    maxLayers: STORED_LAYERS,
    headsPerLayer: STORED_HEADS_PER_LAYER,
  });
}

/** A suspect checkpoint against a stored fingerprint: the suspect is read on the stored anchors, at the same layers, with every head. */
export async function compareWithStored(
  stored: WeightFingerprint,
  suspect: Checkpoint,
  keys: VocabularyKeys,
): Promise<WeightEvidence> {
  const ids = keyIds(keys, suspect.embedding.rows);
  const own = await weightFingerprint(suspect, { anchorKeys: stored.embedding.anchors, ids, maxLayers: STORED_LAYERS });
  return compareFingerprints(stored, own);
}

/** Checks a fingerprint read back from a user's store, so a damaged file is one line, not a crash. */
export function parseStoredFingerprint(json: unknown, what: string): WeightFingerprint {
  const f = json as Partial<WeightFingerprint> | null;
  const numbers = (x: unknown) => Array.isArray(x) && x.every((v) => typeof v === 'number');
  const strings = (x: unknown) => Array.isArray(x) && x.every((v) => typeof v === 'string');
  const ok =
    f?.version === 1 &&
    typeof f.hidden === 'number' &&
    strings(f.embedding?.anchors) &&
    numbers(f.embedding?.gram) &&
    f.embedding!.gram.length === (f.embedding!.anchors.length * (f.embedding!.anchors.length + 1)) / 2 &&
    strings(f.layerAnchors) &&
    Array.isArray(f.layers) &&
    f.layers.every(
      (l) =>
        typeof l?.layer === 'number' &&
        Array.isArray(l.heads) &&
        l.heads.every(
          (h) => typeof h?.head === 'number' && numbers(h.logits) && h.logits.length === f.layerAnchors!.length ** 2,
        ),
    );
  if (!ok)
    throw new UserError(`${what} is not a weight fingerprint tokprint wrote; add the reference again with --weights`);
  return f as WeightFingerprint;
}
