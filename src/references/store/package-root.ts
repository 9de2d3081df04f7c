import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory holding tokprint's package.json. Found by walking up from this module, because the
 * module sits at a different depth when run from the source tree (src/...) and when built (dist/src/...).
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'tokprint') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`tokprint: cannot find its own package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
