import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tokenizers from 'tokenizers';
import { createTokenizer } from '../src/references/formats/index.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import { sha256Hex } from '../src/util/hash.js';
import type { Rng } from '../src/util/rng.js';

/** How one bench tokenizer is trained: none of them shares a vocabulary with an indexed family. */
export interface TrainedSpec {
  model: 'BPE' | 'WordPiece' | 'Unigram';
  preTokenizer: 'byte-level' | 'whitespace' | 'metaspace' | 'bert';
  /** `<0xNN>` byte tokens for characters outside the vocabulary (BPE and Unigram). */
  byteFallback: boolean;
  /** Every digit its own pre-token, as Llama 2 and Gemma do. */
  digits: boolean;
  /** Entries kept of what the trainer learned (the binding's trainers stop at 30k, Unigram's at 8k). */
  vocab: number;
}

export function specLabel(spec: TrainedSpec): string {
  const extras = [spec.byteFallback ? 'byte fallback' : '', spec.digits ? 'single digits' : ''].filter(Boolean);
  return `${spec.model} ${spec.preTokenizer} ${spec.vocab}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

const PRE_TOKENIZERS: Record<TrainedSpec['model'], TrainedSpec['preTokenizer'][]> = {
  BPE: ['byte-level', 'whitespace', 'metaspace'],
  WordPiece: ['bert', 'whitespace'],
  Unigram: ['metaspace', 'whitespace'],
};

/** `count` specs drawn by the rng: each model kind in turn, the rest at random. */
export function trainedSpecs(rng: Rng, count: number): TrainedSpec[] {
  const models: TrainedSpec['model'][] = ['BPE', 'WordPiece', 'Unigram'];
  return Array.from({ length: count }, (_, i) => {
    const model = models[i % models.length];
    const preTokenizer = rng.pick(PRE_TOKENIZERS[model]);
    return {
      model,
      preTokenizer,
      byteFallback: model !== 'WordPiece' && preTokenizer !== 'byte-level' && rng.next() < 0.5,
      digits: rng.next() < 0.4,
      vocab: model === 'Unigram' ? rng.int(6000, 8000) : rng.int(16000, 30000),
    };
  });
}

/**
 * Local text to train on: the Markdown files installed beside the bench (package documentation), in path
 * order up to `maxBytes`, and one line holding a character for every UTF-8 lead byte, so a byte-level
 * vocabulary can spell any text.
 */
export function trainingCorpus(root: string, maxBytes = 4_000_000): { text: string; hash: string } {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.endsWith('.md')) files.push(path);
      else if (!name.startsWith('.') && !name.includes('.')) {
        try {
          if (statSync(path).isDirectory()) walk(path, depth + 1);
        } catch {}
      }
    }
  };
  walk(root, 0);
  const parts: string[] = [coverageLine()];
  let bytes = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (text.length < 2000) continue;
    parts.push(text);
    bytes += text.length;
    if (bytes >= maxBytes) break;
  }
  const text = parts.join('\n');
  return { text, hash: sha256Hex(text).slice(0, 16) };
}

function coverageLine(): string {
  const chars: string[] = [];
  for (let c = 0x20; c < 0x800; c++) if (c < 0x7f || c > 0x9f) chars.push(String.fromCodePoint(c));
  for (let lead = 0; lead < 16; lead++) chars.push(String.fromCodePoint(Math.max(0x800, lead << 12) + 0x4e0));
  for (let lead = 0; lead < 5; lead++) chars.push(String.fromCodePoint(Math.max(0x10000, lead << 18) + 0x100));
  return chars.join(' ');
}

/**
 * The tokenizer a spec trains on the corpus, as a tokenizer.json kept in `cacheFolder` under a name that
 * holds the spec and the corpus's hash: the same seed and text give the same file, trained once.
 */
export function trainedTokenizer(
  spec: TrainedSpec,
  corpus: { text: string; hash: string },
  cacheFolder: string,
): Tokenizer {
  mkdirSync(cacheFolder, { recursive: true });
  const key = sha256Hex(JSON.stringify(spec) + corpus.hash).slice(0, 16);
  const file = join(cacheFolder, `${key}.json`);
  if (!existsSync(file)) {
    const corpusFile = join(cacheFolder, `corpus-${corpus.hash}.txt`);
    if (!existsSync(corpusFile)) writeFileSync(corpusFile, corpus.text);
    const trainer = new tokenizers.Tokenizer(emptyModel(spec));
    trainer.setPreTokenizer(preTokenizer(spec));
    trainer.train([corpusFile]);
    const raw = join(cacheFolder, `${key}.raw.json`);
    trainer.save(raw);
    const json = JSON.parse(readFileSync(raw, 'utf8'));
    writeFileSync(file, JSON.stringify(finish(json, spec)));
  }
  return createTokenizer('hf-json', { main: new Uint8Array(readFileSync(file)) });
}

function emptyModel(spec: TrainedSpec) {
  if (spec.model === 'WordPiece') return tokenizers.WordPiece.empty() as unknown as tokenizers.Model;
  if (spec.model === 'Unigram') return tokenizers.Unigram.empty();
  return tokenizers.BPE.empty();
}

function preTokenizer(spec: TrainedSpec) {
  const base =
    spec.preTokenizer === 'byte-level'
      ? tokenizers.byteLevelPreTokenizer(false, true)
      : spec.preTokenizer === 'metaspace'
        ? tokenizers.metaspacePreTokenizer()
        : spec.preTokenizer === 'bert'
          ? tokenizers.bertPreTokenizer()
          : tokenizers.whitespacePreTokenizer();
  return spec.digits ? tokenizers.sequencePreTokenizer([tokenizers.digitsPreTokenizer(true), base]) : base;
}

type Json = Record<string, any>;

/** Cuts the vocabulary to the spec's size and adds the byte tokens byte fallback reads. */
function finish(json: Json, spec: TrainedSpec): Json {
  const model = json.model;
  if (spec.model === 'Unigram') {
    model.vocab = model.vocab.slice(0, spec.vocab);
    if (spec.byteFallback) {
      const have = new Set(model.vocab.map((v: [string, number]) => v[0]));
      for (const b of byteTokens()) if (!have.has(b)) model.vocab.push([b, -30]);
      model.byte_fallback = true;
    }
    return json;
  }
  const kept = Object.entries(model.vocab as Record<string, number>).filter(([, id]) => id < spec.vocab);
  model.vocab = Object.fromEntries(kept);
  if (spec.model === 'BPE') {
    const ids = model.vocab as Record<string, number>;
    const merged = (m: string | [string, string]) => (typeof m === 'string' ? m.replace(' ', '') : m.join(''));
    model.merges = (model.merges as (string | [string, string])[]).filter((m) => merged(m) in ids);
    if (spec.byteFallback) {
      let next = spec.vocab;
      for (const b of byteTokens()) if (!(b in ids)) ids[b] = next++;
      model.byte_fallback = true;
    }
  }
  return json;
}

function byteTokens(): string[] {
  return Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
}
