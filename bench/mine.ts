import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mineProbes } from './mining/miner.js';
import { mineRareProbes } from './mining/rare-miner.js';
import { mineCommonWordProbes } from './mining/common-words-miner.js';
import { mineExtensionProbes } from './mining/extension-miner.js';
import {
  HANDWRITTEN_FILE,
  MINED_FILE,
  formatProbeLines,
  parseProbeLines,
  readProbePool,
} from '../src/probes/pool-file.js';
import { readFileSync } from 'node:fs';
import { buildCountSignatures } from '../src/signatures/count-signatures.js';
import { COUNT_SIGNATURES_FILE, formatCountSignatures } from '../src/signatures/count-signatures-file.js';
import { probePoolDir } from '../src/signatures/index-section.js';
import { committedIndexDir } from '../src/references/catalog.js';
import { loadCommittedReferences } from './load-references.js';

export const MINER_SEED = 20261123;

/** Regenerates probes/mined.jsonl from the references' vocabularies, then the count signatures. */
export async function mine(log: (line: string) => void): Promise<void> {
  const references = await loadCommittedReferences(log);
  const dir = probePoolDir();
  const handwritten = parseProbeLines(readFileSync(join(dir, HANDWRITTEN_FILE), 'utf8'), HANDWRITTEN_FILE);
  const started = Date.now();
  const mined = mineProbes(
    references.map(({ entry, tokenizer }) => ({ id: entry.id, tokenizer })),
    { seed: MINER_SEED },
  ).filter((probe) => !handwritten.some((h) => h.text === probe.text));
  const rare = mineRareProbes(
    references.map(({ entry, tokenizer }) => ({ id: entry.id, tokenizer })),
    { seed: MINER_SEED, taken: new Set([...handwritten, ...mined].map((probe) => probe.text)) },
  );
  mined.push(...rare);
  const common = mineCommonWordProbes(
    references.map(({ entry, tokenizer }) => ({ id: entry.id, family: entry.family, tokenizer })),
    { seed: MINER_SEED, taken: new Set([...handwritten, ...mined].map((probe) => probe.text)) },
  );
  mined.push(...common);
  const extension = mineExtensionProbes(
    references.map(({ entry, tokenizer }) => ({ id: entry.id, family: entry.family, tokenizer })),
    { seed: MINER_SEED, taken: new Set([...handwritten, ...mined].map((probe) => probe.text)) },
  );
  mined.push(...extension);
  writeFileSync(join(dir, MINED_FILE), formatProbeLines(mined));
  log(
    `mined ${mined.length} probes (${rare.length} of rarest tokens, ${common.length} of common words, ${extension.length} of words one family lacks) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const pool = readProbePool(dir);
  const signatures = buildCountSignatures(
    new Map(references.map(({ entry, tokenizer }) => [entry.id, tokenizer])),
    pool,
  );
  writeFileSync(join(committedIndexDir(), COUNT_SIGNATURES_FILE), formatCountSignatures(signatures));
  log(
    `count signatures: ${signatures.probes.length} of ${pool.length} probes kept, ${signatures.dropped.length} dropped for ${references.length} references`,
  );
}
