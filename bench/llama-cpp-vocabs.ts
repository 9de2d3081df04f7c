import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTokenizer } from '../src/references/formats/index.js';
import type { Tokenizer } from '../src/references/tokenizer.js';

/**
 * llama.cpp's test vocabularies of families the committed index leaves out. BERT-BGE and Nomic BERT MoE are
 * WordPiece and T5 GGUF vocabularies, which the GGUF loader does not read; they are named and skipped.
 */
export const OUTSIDE_VOCABS = ['aquila', 'baichuan', 'refact', 'gpt-2', 'bert-bge', 'nomic-bert-moe'] as const;

/** The git bundle of llama.cpp's source that node-llama-cpp ships, unpacked once into `cacheFolder`. */
function llamaCppRepository(cacheFolder: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
  while (!existsSync(join(dir, 'llama', 'gitRelease.bundle')) && dirname(dir) !== dir) dir = dirname(dir);
  const bundle = join(dir, 'llama', 'gitRelease.bundle');
  const repo = join(cacheFolder, 'llama.cpp.git');
  if (!existsSync(join(repo, 'HEAD'))) {
    mkdirSync(cacheFolder, { recursive: true });
    execFileSync('git', ['clone', '--quiet', '--bare', bundle, repo], { stdio: 'ignore' });
  }
  return repo;
}

export interface OutsideVocab {
  name: string;
  tokenizer?: Tokenizer;
  /** Why it was not loaded. */
  skipped?: string;
}

/** Each vocabulary read with the project's own GGUF loader, straight from the bundle. */
export function outsideVocabs(cacheFolder: string): OutsideVocab[] {
  const repo = llamaCppRepository(cacheFolder);
  return OUTSIDE_VOCABS.map((name) => {
    try {
      const bytes = execFileSync('git', ['--git-dir', repo, 'show', `HEAD:models/ggml-vocab-${name}.gguf`], {
        maxBuffer: 64 * 1024 * 1024,
      });
      return { name, tokenizer: createTokenizer('gguf', { main: new Uint8Array(bytes) }) };
    } catch (error) {
      return { name, skipped: (error as Error).message.split('\n')[0] };
    }
  });
}
