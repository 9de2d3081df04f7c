import type { Catalog } from '../references/catalog.js';
import { findEntry } from '../references/catalog.js';
import { createTokenizer } from '../references/formats/index.js';
import type { PinnedFile } from '../references/manifest.js';
import { readPinnedIfValid } from '../references/store/pinned-cache.js';
import type { Tokenizer, TokenizerFiles } from '../references/tokenizer.js';
import type { TokenizerFor } from '../scoring/strongest-probes.js';

/**
 * Reference tokenizers from the pinned cache only: a report's token splits are an illustration, so a
 * reference that is not cached is left without them rather than downloaded.
 */
export function cachedTokenizers(catalog: Catalog, cacheRoot: string): TokenizerFor {
  const loaded = new Map<string, Promise<Tokenizer | undefined>>();
  const load = async (id: string): Promise<Tokenizer | undefined> => {
    const entry = findEntry(catalog, id)?.entry;
    if (!entry) return undefined;
    const files: Partial<TokenizerFiles> = {};
    for (const [role, file] of Object.entries(entry.source.files) as [keyof TokenizerFiles, PinnedFile][]) {
      const bytes = await readPinnedIfValid(cacheRoot, file.sha256);
      if (!bytes) return undefined;
      files[role] = bytes;
    }
    return createTokenizer(entry.format, files as TokenizerFiles, entry.tiktoken);
  };
  return (id) => {
    if (!loaded.has(id))
      loaded.set(
        id,
        load(id).catch(() => undefined),
      );
    return loaded.get(id)!;
  };
}
