import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufHeader, readGgufMetadata } from '../../../src/references/formats/gguf-read.js';
import { writeGguf } from '../../../src/references/formats/gguf-write.js';
import { UserFile } from '../../../src/util/user-file.js';

const MiB = 2 ** 20;
let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'tokprint-gguf-header-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Reads the header through a real file, recording every read. */
function readHeader(path: string): { header: Uint8Array; reads: [number, number][] } {
  const file = UserFile.open(path);
  const reads: [number, number][] = [];
  try {
    const header = readGgufHeader(
      (position, length) => (reads.push([position, length]), file.read(position, length)),
      file.size,
      path,
    );
    return { header, reads };
  } finally {
    file.close();
  }
}

describe('readGgufHeader', () => {
  it('reads a metadata header larger than its first read in growing steps, and nothing of the tensors after it', async () => {
    // 40 MiB of metadata (a long description), then 4 GiB of sparse "tensor data"
    const description = 'x'.repeat(40 * MiB);
    const gguf = writeGguf({
      'general.architecture': { type: 'string', value: 'llama' },
      'general.description': { type: 'string', value: description },
      'general.name': { type: 'string', value: 'big' },
    });
    const path = join(dir, 'big-header.gguf');
    await writeFile(path, gguf);
    await truncate(path, 4 * 2 ** 30);
    const { header, reads } = readHeader(path);
    expect(Object.fromEntries(readGgufMetadata(header))).toMatchObject({
      'general.name': 'big',
      'general.architecture': 'llama',
    });
    expect(Buffer.from(gguf.subarray(0, header.length)).equals(Buffer.from(header))).toBe(true);
    expect(reads.length).toBeGreaterThan(1);
    // each read continues where the last one ended, and all of them stop within one doubling of the header's end
    reads.forEach(([position], i) => expect(position).toBe(i === 0 ? 0 : reads[i - 1][0] + reads[i - 1][1]));
    const readEnd = reads.at(-1)![0] + reads.at(-1)![1];
    expect(readEnd).toBeLessThanOrEqual(2 * header.length);
  });

  it('hands a truncated header to the loader, which says it is truncated', async () => {
    const gguf = writeGguf({
      'general.name': { type: 'string', value: 'cut' },
      'general.description': { type: 'string', value: 'y'.repeat(1000) },
    });
    const path = join(dir, 'cut.gguf');
    await writeFile(path, gguf.subarray(0, 200));
    const { header } = readHeader(path);
    expect(header.length).toBe(200);
    expect(() => readGgufMetadata(header, 'cut.gguf')).toThrow(
      /cut\.gguf is truncated \(200 bytes, ended while reading metadata "general\.description"\)/,
    );
  });
});
