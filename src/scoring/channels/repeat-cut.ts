import type { Tokenizer } from '../../references/tokenizer.js';
import type { TargetRequest } from '../../targets/target.js';
import type { ChannelContext, ChannelObservation, ChannelScore } from './channel.js';

/**
 * A repeat request cut at `max_tokens`: the model says back a text it was given, and where the answer
 * stops is exactly k tokens of its own tokenizer into that text. A provider can recount what it bills, but
 * not move the cut without changing what the model says.
 */
export const REPEAT_INSTRUCTION = 'Repeat the text below exactly, with nothing before or after it.\n\n';

export interface RepeatProbe {
  source: string;
  k: number;
}

/** Chance that a model asked to repeat slips (a changed character, a dropped space) yet still answers with a prefix of the text. */
const SLIP = 0.03;
/** A changed vocabulary keeps each of its base's tokens this often, so it cuts k tokens where its base does with this to the k. */
const DERIVED_TOKEN_KEPT = 0.98;
/** An unindexed tokenizer's cut lands on the seen one about this often (a few plausible positions). */
const UNKNOWN_SAME_CUT = 0.25;
const WINDOW_CHARS = 200;
const MAX_CUT = 40;
/** Text a model would not say back verbatim, or a server would read as markup or control tokens. */
const UNSAYABLE = /[<>[\]{}|\\\p{Cc}\p{Cf}\p{Co}\p{Cs}\ufffd]/u;

const strict = new TextDecoder('utf-8', { fatal: true });

export function repeatRequest(probe: RepeatProbe, followUpOf: number): TargetRequest {
  return {
    messages: [{ role: 'user', content: REPEAT_INSTRUCTION + probe.source }],
    maxOutputTokens: probe.k,
    temperature: 0,
    followUpOf,
  };
}

/** The probe a repeat request carries; undefined for any other request. */
export function repeatProbeOf(request: TargetRequest): RepeatProbe | undefined {
  const content = request.messages.at(-1)?.content;
  if (!content?.startsWith(REPEAT_INSTRUCTION) || !request.maxOutputTokens) return undefined;
  return { source: content.slice(REPEAT_INSTRUCTION.length), k: request.maxOutputTokens };
}

/** Texts of the first 1..max tokens of the encoding, each without a character the cut left incomplete. */
function cutTexts(tokenizer: Tokenizer, source: string, max: number): string[] {
  const ids = tokenizer.encode(source).slice(0, max);
  const cuts: string[] = [];
  let bytes = new Uint8Array();
  for (const id of ids) {
    const piece = tokenizer.tokenBytes(id) ?? new Uint8Array();
    const next = new Uint8Array(bytes.length + piece.length);
    next.set(bytes);
    next.set(piece, bytes.length);
    bytes = next;
    cuts.push(normalise(decodeWhole(bytes)));
  }
  return cuts;
}

function decodeWhole(bytes: Uint8Array): string {
  for (let end = bytes.length; end >= Math.max(0, bytes.length - 3); end--) {
    try {
      return strict.decode(bytes.subarray(0, end));
    } catch {
      // a character cut in two: try without its first bytes
    }
  }
  return '';
}

/** SentencePiece spells a space before the text, and a server may drop a last incomplete character. */
function normalise(text: string): string {
  return text.replace(/\ufffd+$/u, '').trimStart();
}

/** The cut text a reference predicts for a probe. */
export function predictedCut(tokenizer: Tokenizer, probe: RepeatProbe): string | undefined {
  // a reference that spells the text in fewer than k tokens predicts all of it said, and the answer ended
  return cutTexts(tokenizer, probe.source, probe.k).at(-1);
}

/**
 * Stretches of the message a model can say back: whole words, no markup, about WINDOW_CHARS long. Runs of
 * spaces between words are kept (vocabularies that differ only in their whitespace tokens cut them apart);
 * any other gap becomes one space.
 */
function windows(content: string): string[] {
  const out: string[] = [];
  let current = '';
  let dropped = false;
  for (const [, space, word] of content.matchAll(/(\s*)(\S+)/gu)) {
    if (UNSAYABLE.test(word)) {
      dropped = true;
      continue;
    }
    if (current) current += !dropped && /^ +$/u.test(space) ? space : ' ';
    current += word;
    dropped = false;
    if (current.length >= WINDOW_CHARS) {
      out.push(current);
      current = '';
    }
  }
  if (current) out.push(current);
  return out.filter((w) => w.length >= 20);
}

/**
 * How well a cut separates the leader (the first encoder) from the others, in the order they lead: a reference
 * that cuts elsewhere weighs half as much as the one before it, so the runner-up is separated first.
 */
function separation(cuts: readonly (string | undefined)[]): number {
  return cuts.reduce((sum: number, cut, i) => (i > 0 && cut !== cuts[0] ? sum + 2 ** -(i - 1) : sum), 0);
}

/**
 * The window of the message and cut length on which the leading references (given in the order they lead)
 * cut apart best: the leader from the others, then the most distinct cuts, then the most tokens up to MAX_CUT
 * (a changed copy of the leader keeps fewer of its k tokens). Undefined when every cut agrees, so a repeat could
 * not tell them apart.
 */
export function planRepeat(content: string, encoders: readonly Tokenizer[]): RepeatProbe | undefined {
  if (encoders.length < 2) return undefined;
  const full = separation(encoders.map((_, i) => String(i)));
  let best: { probe: RepeatProbe; score: [number, number, number] } | undefined;
  const better = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
    return false;
  };
  for (const source of windows(content)) {
    const cuts = encoders.map((e) => cutTexts(e, source, MAX_CUT));
    for (let k = 2; k <= MAX_CUT; k++) {
      const at = cuts.map((c) => c[k - 1] ?? c.at(-1));
      const score: [number, number, number] = [separation(at), new Set(at).size, k];
      if (score[0] > 0 && (!best || better(score, best.score))) best = { probe: { source, k }, score };
    }
    if (best?.score[0] === full && best.score[1] === encoders.length) break;
  }
  return best?.probe;
}

/**
 * The answer said back a prefix of the text (or all of it): its end marks where the model's k tokens ended. The
 * billed completion count is not asked to agree, as a provider that recounts it cannot move the cut.
 */
function informative(o: ChannelObservation): o is ChannelObservation & { repeat: RepeatProbe } {
  if (!o.repeat) return false;
  const said = normalise(o.text);
  return said.length > 0 && normalise(o.repeat.source).startsWith(said);
}

/** Log-likelihoods of the repeat answers: each reference predicts exactly where its k tokens end. */
export function scoreRepeats(
  observations: readonly ChannelObservation[],
  { groups, encoder }: ChannelContext,
): ChannelScore | undefined {
  const cut = observations.filter(informative);
  if (!cut.length) return undefined;
  const loaded = groups.flatMap((_, g) => (encoder(g) ? [g] : []));
  if (!loaded.length) return undefined;
  const match: number[] = [];
  const derived: number[] = [];
  let agreeing = 0;
  for (const g of loaded) {
    let same = 0;
    match[g] = 0;
    derived[g] = 0;
    for (const o of cut) {
      const agrees = predictedCut(encoder(g)!, o.repeat) === normalise(o.text);
      const kept = DERIVED_TOKEN_KEPT ** o.repeat.k;
      match[g] += Math.log(agrees ? 1 - SLIP : SLIP);
      derived[g] += Math.log(agrees ? kept : 1 - kept);
      if (agrees) same++;
    }
    if (same === cut.length) agreeing++;
  }
  // a reference not loaded predicts no cut: it lands where seen as often as an unindexed tokenizer's would
  const unknown = cut.length * Math.log(UNKNOWN_SAME_CUT);
  return {
    match: groups.map((_, g) => match[g] ?? unknown),
    derived: groups.map((_, g) => derived[g] ?? unknown),
    unknown,
    unscored: groups.map((_, g) => match[g] === undefined),
    note: `${cut.length} repeat answers cut at max_tokens; ${agreeing} of ${loaded.length} references cut every one where it was cut`,
  };
}
