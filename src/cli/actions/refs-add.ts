import { dirname, resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { holdsWeights, openWeights } from '../../lineage/open-weights.js';
import { storedWeightFingerprint } from '../../lineage/stored-fingerprint.js';
import { vocabularyKeys } from '../../lineage/vocabulary-keys.js';
import type { WeightFingerprint } from '../../lineage/weight-fingerprint.js';
import { writeStoredFingerprint } from '../../lineage/weight-store.js';
import { describeSource } from '../../references/catalog.js';
import { loadResolvedSource } from '../../references/load-local.js';
import { parseHfSpec, resolveTokenizerSource } from '../../references/local-source.js';
import { UserError } from '../../util/errors.js';
import { addReference } from '../../references/store/add-reference.js';
import { cacheDir } from '../../references/store/cache-dir.js';

interface AddOptions {
  id: string;
  family: string;
  publisher?: string;
  jurisdiction?: string;
  license?: string;
  model?: string[];
  revision?: string;
  tiktokenPreset?: string;
  tiktokenPattern?: string;
  weights?: boolean;
}

/**
 * The weight fingerprint of `source`, taken before anything is written so that weights that cannot be read leave
 * the index as it was.
 */
async function fingerprintWeights(io: CliIo, source: string, options: AddOptions): Promise<WeightFingerprint> {
  const spec = parseHfSpec(source);
  const hub = spec && { repo: spec.repo, revision: options.revision ?? spec.revision };
  if (!hub && !(await holdsWeights(resolve(io.cwd, source))))
    throw new UserError(
      `--weights: ${source} holds no model weights (*.safetensors, model.safetensors.index.json or *.gguf)`,
    );
  const resolved = await resolveTokenizerSource(source, { cwd: io.cwd, env: io.env, revision: options.revision });
  const tokenizer = loadResolvedSource(resolved, options);
  const checkpoint = await openWeights(source, hub, io);
  try {
    return await storedWeightFingerprint(checkpoint, vocabularyKeys(tokenizer));
  } finally {
    await checkpoint.close();
  }
}

export default async function refsAdd(io: CliIo, source: string, options: AddOptions): Promise<number> {
  const fingerprint = options.weights ? await fingerprintWeights(io, source, options) : undefined;
  const { entry, tokenizer, manifestPath } = await addReference(
    {
      source,
      id: options.id,
      family: options.family,
      publisher: options.publisher,
      jurisdiction: options.jurisdiction,
      license: options.license,
      models: options.model,
      revision: options.revision,
      tiktokenPreset: options.tiktokenPreset,
      tiktokenPattern: options.tiktokenPattern,
    },
    { cwd: io.cwd, env: io.env, cacheRoot: cacheDir(io.env) },
  );
  io.stdout(
    `added ${entry.id} (${entry.family}, ${entry.format}, ${tokenizer.vocabSize} ids) from ${describeSource(entry)} to ${manifestPath}\n`,
  );
  if (fingerprint) {
    const path = await writeStoredFingerprint(dirname(manifestPath), entry.id, fingerprint);
    io.stdout(
      `stored its weight fingerprint (${fingerprint.layers.length} layers, ${fingerprint.embedding.anchors.length} anchor tokens) in ${path}\n`,
    );
  }
  return 0;
}
