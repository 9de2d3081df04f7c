import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localByteSource } from '../../src/lineage/weights/byte-source.js';
import { type Checkpoint, openHubCheckpoint, openLocalCheckpoint } from '../../src/lineage/weights/checkpoint.js';
import { dequantize } from '../../src/lineage/weights/dequantize.js';
import { readRows } from '../../src/lineage/weights/tensor.js';
import { UserError } from '../../src/util/errors.js';
import { toHalf } from '../engine/gguf-tensors.js';
import { startFakeHub } from '../helpers/fake-hf-hub.js';
import { quantize } from '../helpers/ggml-quantize.js';
import { ggufModel, randomModel, TINY_SHAPE, writeSafetensorsModel } from '../helpers/tiny-checkpoints.js';

let root: string;
const model = randomModel(7);
const embedding = model.tensors.get('model.embed_tokens.weight')!;
const row = (r: number) => embedding.subarray(r * TINY_SHAPE.hidden, (r + 1) * TINY_SHAPE.hidden);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokprint-weight-readers-'));
  await writeSafetensorsModel(join(root, 'single'), model);
  await writeSafetensorsModel(join(root, 'sharded'), model, { shards: 4, type: 'BF16' });
  for (const type of ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q6_K'] as const)
    await writeFile(join(root, `tiny-${type}.gguf`), ggufModel(model, type));
});

afterAll(() => rm(root, { recursive: true, force: true }));

async function withCheckpoint<T>(open: Promise<Checkpoint>, use: (c: Checkpoint) => Promise<T>): Promise<T> {
  const checkpoint = await open;
  try {
    return await use(checkpoint);
  } finally {
    await checkpoint.close();
  }
}

function maxError(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, x, i) => Math.max(max, Math.abs(x - b[i])), 0);
}

describe('ggml block layouts', () => {
  it('decodes a Q8_0 block as scale times signed bytes', () => {
    const block = new Uint8Array(34);
    new DataView(block.buffer).setUint16(0, toHalf(0.5), true);
    for (let j = 0; j < 32; j++) new DataView(block.buffer).setInt8(2 + j, j - 16);
    expect([...dequantize('Q8_0', block, 32)]).toEqual(Array.from({ length: 32 }, (_, j) => 0.5 * (j - 16)));
  });

  it('decodes a Q4_0 block: low nibbles are values 0-15, high nibbles 16-31, both offset by 8', () => {
    const block = new Uint8Array(18);
    new DataView(block.buffer).setUint16(0, toHalf(2), true);
    for (let j = 0; j < 16; j++) block[2 + j] = j | ((15 - j) << 4);
    const values = dequantize('Q4_0', block, 32);
    expect([...values.subarray(0, 16)]).toEqual(Array.from({ length: 16 }, (_, j) => 2 * (j - 8)));
    expect([...values.subarray(16)]).toEqual(Array.from({ length: 16 }, (_, j) => 2 * (7 - j)));
  });

  it('decodes Q4_K scales packed six bits each in 12 bytes (sub-blocks 4-7 split across bytes)', () => {
    const block = new Uint8Array(144);
    const view = new DataView(block.buffer);
    view.setUint16(0, toHalf(1), true); // d
    view.setUint16(2, toHalf(1), true); // dmin
    // sub-block 5: scale 37 = 0b100101, min 50 = 0b110010 -> low nibbles in byte 9, high two bits on bytes 1 and 5
    block[4 + 9] = (37 & 0xf) | ((50 & 0xf) << 4);
    block[4 + 1] = (37 >> 4) << 6;
    block[4 + 5] = (50 >> 4) << 6;
    // sub-block 5 is the high nibbles of bytes 32..63 of qs
    for (let l = 0; l < 32; l++) block[16 + 64 + l] = 3 << 4;
    const values = dequantize('Q4_K', block, 256);
    expect(values[160]).toBe(37 * 3 - 50);
    expect(values[191]).toBe(37 * 3 - 50);
    expect(values[0]).toBe(0);
  });

  it('decodes Q6_K values from four low bits in ql and two high bits in qh, with int8 scales per 16 values', () => {
    const block = new Uint8Array(210);
    const view = new DataView(block.buffer);
    view.setUint16(208, toHalf(0.25), true);
    view.setInt8(192 + 2, -4); // scale of values 32..47
    block[32] = 0x5; // low bits of value 32
    block[128] = 0b10 << 2; // high bits of value 32: level 0b10_0101 = 37, minus 32 = 5
    const values = dequantize('Q6_K', block, 256);
    expect(values[32]).toBe(0.25 * -4 * 5);
    expect(values[0]).toBeCloseTo(0);
  });

  it.each([
    ['Q8_0', 0.01],
    ['Q4_0', 0.15],
    ['Q4_K', 0.1],
    ['Q6_K', 0.03],
  ] as const)('round-trips random rows through the %s quantizer the tests write', (type, bound) => {
    const values = row(3).slice();
    const back = dequantize(type, quantize(type, values), values.length);
    const amax = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(maxError(values, back) / amax).toBeLessThan(bound);
  });
});

describe('weight readers on checkpoints the tests build', () => {
  it('reads the same embedding rows from a single safetensors file, BF16 shards and every GGUF type', async () => {
    const rows = [0, 5, 6, 7, 639];
    const single = await withCheckpoint(openLocalCheckpoint(join(root, 'single')), (c) => readRows(c.embedding, rows));
    rows.forEach((r, i) => expect(single[i]).toEqual(row(r)));
    const sharded = await withCheckpoint(openLocalCheckpoint(join(root, 'sharded')), async (c) => {
      expect(c.layers).toHaveLength(TINY_SHAPE.layers);
      expect([c.heads, c.kvHeads]).toEqual([TINY_SHAPE.heads, TINY_SHAPE.kvHeads]);
      return readRows(c.embedding, rows);
    });
    rows.forEach((r, i) => expect(maxError(sharded[i], row(r))).toBeLessThan(0.01));
    const bounds = { F32: 0, F16: 1e-3, BF16: 0.01, Q8_0: 0.01, Q4_0: 0.1, Q4_K: 0.1, Q6_K: 0.03 };
    for (const [type, bound] of Object.entries(bounds)) {
      const read = await withCheckpoint(openLocalCheckpoint(join(root, `tiny-${type}.gguf`)), async (c) => {
        expect(c.format).toBe('gguf');
        expect([c.heads, c.kvHeads, c.layers.length]).toEqual([
          TINY_SHAPE.heads,
          TINY_SHAPE.kvHeads,
          TINY_SHAPE.layers,
        ]);
        return readRows(c.embedding, rows);
      });
      rows.forEach((r, i) => expect(maxError(read[i], row(r)), type).toBeLessThanOrEqual(bound));
    }
  });

  it('reads only the ranges asked for', async () => {
    await withCheckpoint(openLocalCheckpoint(join(root, 'sharded')), async (c) => {
      const header = c.bytesRead();
      await readRows(c.embedding, [10, 11, 300]);
      expect(c.bytesRead() - header).toBe(3 * TINY_SHAPE.hidden * 2);
      expect(c.bytesRead()).toBeLessThan(c.size / 10);
    });
  });

  it('reads sharded safetensors from a hub by range requests, the token never leaving the hub for its CDN', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const name of [
      'config.json',
      'model.safetensors.index.json',
      ...Array.from({ length: 4 }, (_, i) => `model-0000${i + 1}-of-00004.safetensors`),
    ])
      files[name] = await readFile(join(root, 'sharded', name));
    const hub = await startFakeHub({ 'org/tiny': { commit: 'a'.repeat(40), files, token: 'hf_secret_token_1234' } });
    try {
      const read = await withCheckpoint(
        openHubCheckpoint({ endpoint: hub.endpoint, token: 'hf_secret_token_1234' }, 'org/tiny', 'main'),
        async (c) => {
          const rows = await readRows(c.embedding, [1, 2]);
          expect(c.bytesRead()).toBeLessThan(c.size / 2);
          return rows;
        },
      );
      expect(maxError(read[0], row(1))).toBeLessThan(0.01);
      expect(hub.cdnRequests.length).toBeGreaterThan(0);
      expect(hub.cdnRequests.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      await hub.close();
    }
  });

  it.each([
    [
      'a safetensors file cut short inside its data',
      'cut.safetensors',
      (b: Uint8Array) => b.subarray(0, b.length - 100),
      /is truncated: tensor ".*" ends at byte/,
    ],
    [
      'a safetensors file cut short inside its header',
      'cut-header.safetensors',
      (b: Uint8Array) => b.subarray(0, 40),
      /is truncated: its header claims/,
    ],
    [
      'a safetensors header that is not JSON',
      'bad.safetensors',
      (b: Uint8Array) => Uint8Array.from([...b.subarray(0, 8), 0x78, ...b.subarray(9)]),
      /is not a readable safetensors file: its header is not JSON/,
    ],
    [
      'a GGUF file cut short',
      'cut.gguf',
      (b: Uint8Array) => b.subarray(0, 200),
      /is not a readable GGUF file|is truncated/,
    ],
    [
      'a file named .gguf that is not GGUF',
      'text.gguf',
      () => new TextEncoder().encode('hello, not a model'),
      /is not a readable GGUF file/,
    ],
  ])('refuses %s in one line', async (_, name, damage, message) => {
    const source = name.endsWith('.gguf') ? join(root, 'tiny-F32.gguf') : join(root, 'single', 'model.safetensors');
    await writeFile(join(root, name), damage(await readFile(source)));
    const error = await openLocalCheckpoint(join(root, name)).then(
      async (c) => {
        await c.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).message).not.toContain('\n');
  });

  it('names a ggml type it does not dequantize, in one line', async () => {
    const bytes = Uint8Array.from(await readFile(join(root, 'tiny-F32.gguf')));
    const name = new TextEncoder().encode('token_embd.weight');
    const at = Buffer.from(bytes).indexOf(Buffer.from(name));
    // after the name: n_dims (u32), two dims (u64 each), then the type (u32)
    new DataView(bytes.buffer).setUint32(at + name.length + 4 + 16, 13, true);
    await writeFile(join(root, 'q5k.gguf'), bytes);
    await expect(openLocalCheckpoint(join(root, 'q5k.gguf'))).rejects.toThrow(
      /^q5k\.gguf: tensor "token_embd\.weight" cannot be read \(it is Q5_K; tokprint dequantizes F32, F16, Q4_0, Q8_0, Q4_K, Q6_K, BF16\)$/,
    );
  });

  it('refuses a shard index naming a shard that is not there', async () => {
    const dir = join(root, 'missing-shard');
    await writeSafetensorsModel(dir, model, { shards: 2 });
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    await expect(openLocalCheckpoint(dir)).rejects.toThrow(/cannot open model-00002-of-00002.safetensors \(ENOENT\)/);
  });

  it('reads a range past the end of a file as truncation, not as short data', async () => {
    const source = await localByteSource(join(root, 'single', 'config.json'), 'config.json');
    await expect(source.read(source.size - 4, 8)).rejects.toThrow(/config.json is truncated/);
    await source.close();
  });
});
