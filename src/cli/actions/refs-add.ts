import type { CliIo } from '../io.js';
import { describeSource } from '../../references/catalog.js';
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
}

export default async function refsAdd(io: CliIo, source: string, options: AddOptions): Promise<number> {
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
  return 0;
}
