import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { vi } from 'vitest';
import type * as Formats from '../../src/references/formats/index.js';
import type { Manifest } from '../../src/references/manifest.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';

/**
 * Setup file: the real `createTokenizer`, remembered per test worker for the committed references' pinned files.
 * Building a large reference takes seconds, and the CLI builds the leading candidates' encoders again on every
 * in-process run; a loader is pure (the same bytes always give the same tokenizer, and tokenizers are read-only),
 * so each worker builds each committed reference once. Any other bytes (edited, truncated or user files) and every
 * failure go through the loader every time.
 */
vi.mock('../../src/references/formats/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof Formats>();
  // The manifest is read here, not through the reference loader, which imports the module being replaced.
  const manifest: Manifest = JSON.parse(
    readFileSync(new URL('../../reference-tokenizers/manifest.json', import.meta.url), 'utf8'),
  );
  const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const store = globalThis as { tokprintSharedTokenizers?: Map<string, Tokenizer> };
  const built = (store.tokprintSharedTokenizers ??= new Map());
  const committed = new Set(manifest.references.map((entry) => entry.source.files.main.sha256));
  const createTokenizer: typeof real.createTokenizer = (format, files, tiktoken) => {
    const main = sha256Hex(files.main);
    if (!committed.has(main)) return real.createTokenizer(format, files, tiktoken);
    const key = JSON.stringify([
      format,
      main,
      files.config && sha256Hex(files.config),
      files.extra && sha256Hex(files.extra),
      tiktoken,
    ]);
    let tokenizer = built.get(key);
    if (!tokenizer) {
      tokenizer = real.createTokenizer(format, files, tiktoken);
      built.set(key, tokenizer);
    }
    return tokenizer;
  };
  return { ...real, createTokenizer };
});
