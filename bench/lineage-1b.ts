import { randomFillSync } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { safetensorsHeader, type SafetensorsEntry } from '../src/lineage/weights/safetensors-write.js';

/** Llama-3.2-1B's layout with a 32,000-token vocabulary: about 1.03 billion parameters. */
export const ONE_B_SHAPE = { vocab: 32_000, hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192 };
const SHARDS = 4;

function entries(): SafetensorsEntry[] {
  const s = ONE_B_SHAPE;
  const kv = (s.hidden / s.heads) * s.kvHeads;
  const out: SafetensorsEntry[] = [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [s.vocab, s.hidden] }];
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      { name: `${p}.input_layernorm.weight`, dtype: 'BF16', shape: [s.hidden] },
      { name: `${p}.self_attn.q_proj.weight`, dtype: 'BF16', shape: [s.hidden, s.hidden] },
      { name: `${p}.self_attn.k_proj.weight`, dtype: 'BF16', shape: [kv, s.hidden] },
      { name: `${p}.self_attn.v_proj.weight`, dtype: 'BF16', shape: [kv, s.hidden] },
      { name: `${p}.self_attn.o_proj.weight`, dtype: 'BF16', shape: [s.hidden, s.hidden] },
      { name: `${p}.post_attention_layernorm.weight`, dtype: 'BF16', shape: [s.hidden] },
      { name: `${p}.mlp.gate_proj.weight`, dtype: 'BF16', shape: [s.intermediate, s.hidden] },
      { name: `${p}.mlp.up_proj.weight`, dtype: 'BF16', shape: [s.intermediate, s.hidden] },
      { name: `${p}.mlp.down_proj.weight`, dtype: 'BF16', shape: [s.hidden, s.intermediate] },
    );
  }
  out.push({ name: 'model.norm.weight', dtype: 'BF16', shape: [s.hidden] });
  return out;
}

/** 65,536 bfloat16 values of N(0, 0.02²) to draw from: random bytes index them, so filling is fast and finite. */
function bf16Table(): Uint16Array {
  const table = new Uint16Array(65_536);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < table.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    f[0] = 0.02 * g;
    table[i] = u[0] >>> 16;
  }
  return table;
}

/**
 * Writes a ~1B-parameter BF16 checkpoint as 4 safetensors shards plus index and config under `dir`. Only the
 * tensors a weight fingerprint may read (embedding, norms, q and k) get random values; the rest are holes in
 * sparse files, so the 2 GB checkpoint takes a few hundred MB of disk.
 */
export async function writeOneBCheckpoint(dir: string): Promise<{ parameters: number; bytes: number }> {
  const all = entries();
  const table = bf16Table();
  const weightMap: Record<string, string> = {};
  let parameters = 0;
  let bytes = 0;
  const perShard = Math.ceil(all.length / SHARDS);
  for (let s = 0; s < SHARDS; s++) {
    const part = all.slice(s * perShard, (s + 1) * perShard);
    const file = `model-0000${s + 1}-of-0000${SHARDS}.safetensors`;
    const { header, offsets, size } = safetensorsHeader(part);
    const handle = await open(join(dir, file), 'w');
    try {
      await handle.truncate(size);
      await handle.write(header, 0, header.length, 0);
      for (const [i, entry] of part.entries()) {
        weightMap[entry.name] = file;
        const count = entry.shape.reduce((a, b) => a * b, 1);
        parameters += count;
        if (!/embed_tokens|layernorm|q_proj|k_proj/.test(entry.name)) continue;
        const chunk = 1 << 20;
        const index = new Uint16Array(chunk);
        const values = new Uint16Array(chunk);
        for (let done = 0; done < count; done += chunk) {
          const n = Math.min(chunk, count - done);
          randomFillSync(index);
          for (let j = 0; j < n; j++) values[j] = entry.name.includes('layernorm') ? 0x3f80 : table[index[j]];
          await handle.write(new Uint8Array(values.buffer, 0, 2 * n), 0, 2 * n, offsets[i] + 2 * done);
        }
      }
    } finally {
      await handle.close();
    }
    bytes += size;
  }
  const s = ONE_B_SHAPE;
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      num_attention_heads: s.heads,
      num_key_value_heads: s.kvHeads,
      hidden_size: s.hidden,
      num_hidden_layers: s.layers,
    }),
  );
  return { parameters, bytes };
}
