import { rarestTokenIds } from '../../src/references/rarest-tokens.js';
import { seededRng, seedFromString } from '../../src/util/rng.js';
import { isFrameSafe } from '../../src/probes/frame.js';
import type { MinerReference } from './miner.js';
import type { Probe } from '../../src/probes/probe.js';

const LATIN = /^[\p{Script=Latin}\p{N}\p{P}\p{S}\p{Zs}]+$/u;
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const PIECES_PER_PROBE = 4;
/** A probe must still hold this many rare tokens once encoded as a whole. */
const MIN_RARE_PER_PROBE = 3;

export interface RareMinerOptions {
  seed: number;
  probesPerReference?: number;
  /** Texts already in the pool, not to be repeated. */
  taken?: ReadonlySet<string>;
}

/**
 * Probes made of each reference's rarest tokens (those its last merges build). A vocabulary pruned to
 * a smaller size loses these first, so their counts rise under a pruned copy while every other probe
 * still fits: they are how a shrunk vocabulary shows itself. Deterministic given the seed.
 */
export function mineRareProbes(references: readonly MinerReference[], options: RareMinerOptions): Probe[] {
  const keep = options.probesPerReference ?? 10;
  const specialTexts = references
    .flatMap(({ tokenizer }) => tokenizer.specialTokens.map((t) => t.content))
    .filter((t) => t.length > 1);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const taken = new Set(options.taken);
  const probes: Probe[] = [];
  for (const reference of references) {
    const rng = seededRng(seedFromString(`rare-${reference.id}`, options.seed));
    const rare = rarestTokenIds(reference.tokenizer);
    const pieces: string[] = [];
    for (const id of rng.shuffle([...rare])) {
      let text: string;
      try {
        text = decoder.decode(reference.tokenizer.tokenBytes(id)).trim();
      } catch {
        continue; // part of a UTF-8 character: cannot be sent as text
      }
      // Text that Unicode normalisation changes (compatibility ideographs) reaches tokenizers differently.
      if (
        !text ||
        text.normalize('NFC') !== text ||
        !isFrameSafe(text) ||
        CONTROL.test(text) ||
        specialTexts.some((s) => text.includes(s))
      )
        continue;
      pieces.push(text);
    }
    let kept = 0;
    for (let start = 0; start + PIECES_PER_PROBE <= pieces.length && kept < keep; start += PIECES_PER_PROBE) {
      const text = pieces.slice(start, start + PIECES_PER_PROBE).join(' ');
      if (taken.has(text) || !isFrameSafe(text)) continue;
      const rareHeld = reference.tokenizer.encode(text).filter((id) => rare.has(id)).length;
      if (rareHeld < MIN_RARE_PER_PROBE) continue;
      taken.add(text);
      kept++;
      probes.push({
        id: `rare-${reference.id}-${String(kept).padStart(3, '0')}`,
        text,
        category: LATIN.test(text) ? 'mined-latin' : 'mined-script',
        why: `${rareHeld} of ${reference.id}'s rarest tokens (built by its last merges): a pruned copy of its vocabulary splits them`,
        source: 'mined',
        from: reference.id,
        seed: options.seed,
      });
    }
  }
  return probes;
}
