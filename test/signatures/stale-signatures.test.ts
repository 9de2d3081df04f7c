import { describe, expect, it } from 'vitest';
import { readProbePool } from '../../src/probes/pool-file.js';
import { committedIndexDir } from '../../src/references/catalog.js';
import { assembleCountIndex } from '../../src/signatures/count-index.js';
import { readCountSignatures } from '../../src/signatures/count-signatures-file.js';
import { probePoolDir } from '../../src/signatures/index-section.js';
import { UserError } from '../../src/util/errors.js';
import { committedEntries } from '../helpers/manifest-references.js';

// A user's index built before cores left out each vocabulary's deepest merges: read as it is, a pruned copy's core
// strays and the copy reads as a tokenizer outside the index (InternLM2 pruned by 14,852 merges: unknown 0.93-0.99).
describe('count signatures without the deep reduction', () => {
  it('are refused with the command that rebuilds them', async () => {
    const signatures = await readCountSignatures(committedIndexDir());
    const pool = readProbePool(probePoolDir());
    expect(assembleCountIndex(signatures, pool, committedEntries()).references.length).toBeGreaterThan(0);
    const stale = {
      ...signatures,
      references: signatures.references.map((r) => {
        const { deep: _, ...reductions } = r.reductions!;
        return { ...r, reductions };
      }),
    };
    expect(() => assembleCountIndex(stale, pool, committedEntries())).toThrow(UserError);
    expect(() => assembleCountIndex(stale, pool, committedEntries())).toThrow(/rebuild them with tokprint refs build/);
  });
});
