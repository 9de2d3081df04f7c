import { readReferenceIndex } from '../references/reference-index.js';
import { readProbePool } from '../probes/pool-file.js';
import { assembleCountIndex, type CountIndex, type ReferenceFacts } from './count-index.js';
import { readCountSignatures } from './count-signatures-file.js';

/**
 * Reads the committed count signatures, the probe pool and (when built) the class index. References
 * without signatures (e.g. a user's own, until the index is rebuilt) are not candidates.
 */
export async function loadCountIndex(options: {
  indexDir: string;
  poolDir: string;
  facts: readonly ReferenceFacts[];
}): Promise<CountIndex> {
  const [signatures, classIndex] = await Promise.all([
    readCountSignatures(options.indexDir),
    readReferenceIndex(options.indexDir),
  ]);
  return assembleCountIndex(signatures, readProbePool(options.poolDir), options.facts, classIndex);
}
