import type { Tokenizer } from '../../references/tokenizer.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import type { TargetOffers, TargetRequest, TargetResponse } from '../../targets/target.js';
import type { SignatureGroup } from '../hypotheses.js';
import type { Posterior } from '../posterior.js';
import { decide, type Verdict } from '../verdict.js';
import { USAGE_COUNT_IMPOSSIBLE } from '../usage-check.js';
import type { ChannelAsks, ChannelContext, ChannelObservation, ChannelScore } from './channel.js';
import { fuseChannels, SEEN_TOKENS_DISPUTED, type Consistency } from './fuse.js';
import { channelObservation } from './observation.js';
import { channelsOffered, offersSeen } from './offered.js';
import { CHANNELS, readsAnswerChannels, type ChannelName } from './registry.js';

/** Output tokens per answer: enough that the tokens seen (and their alternatives) can overrule reported counts. */
const ANSWER_TOKENS = 32;
/** The counts' leading groups whose encoders are loaded whatever the answers look like, once they lead clearly. */
const COUNT_LEADERS = 2;
const COUNT_LEAD = 0.5;
/**
 * A group not loaded is loaded while its share of the fused posterior (with the best score its encoder could
 * earn) is at least this part of the leader's: it could still lead.
 */
const LOAD_SHARE = 0.3;
/**
 * The fused posterior says something once its leader holds this many times a flat posterior's share (a flat one
 * ranks nothing). Relative to the number of groups, not a fixed share: with more indexed vocabularies that hold
 * every token of plain text, a posterior that has ruled out half of them still leaves its leader under any fixed
 * share, and the segmentations that part the rest would never be compared.
 */
const SAYS_SOMETHING = 2;

function topGroups(post: Posterior, n: number): number[] {
  return post.groups
    .map((g, i) => ({ i, w: g.match + g.derived }))
    .sort((a, b) => b.w - a.w)
    .slice(0, n)
    .map(({ i }) => i);
}

export interface ChannelOptions {
  enabled: ReadonlySet<ChannelName>;
  membership?: VocabMembership;
  /** Loads a reference's tokenizer (from the cache); only the leading candidates' are asked for. */
  loadEncoder?: (referenceId: string) => Promise<Tokenizer | undefined>;
  maxOutputTokens?: number;
  temperature?: number;
  seed?: number;
  /** How many leading groups' encoders plan follow-up requests. */
  encoders?: number;
  /**
   * `enabled` lists the channels to try: the first answer asks for all of them, and the run reads those the
   * target showed it gives (no `--channels` given). Otherwise `enabled` is read as asked.
   */
  discover?: boolean;
  /** Told before each encoder is loaded: the reference, how many are loaded, and how many are planned so far. */
  onEncoder?: EncoderListener;
}

/** What the first answer showed the target gives, and the channels the run reads from then on. */
export interface ChannelDiscovery {
  /** The channels read were found on this answer (none were named). */
  discovered: boolean;
  offered: TargetOffers;
  /** The channels read from the first answer on. */
  reading: ChannelName[];
  /** Channels asked for that the target does not give. */
  missing: ChannelName[];
}

export type EncoderListener = (referenceId: string, loaded: number, planned: number) => void;

/**
 * Found on the first answer, read only when the target shows no tokens and no billed prompt counts: their
 * encoders and repeat requests cost time and requests that the counts and the tokens seen make needless.
 */
const LAST_RESORT: readonly ChannelName[] = ['completion', 'truncation'];

export interface ChannelSummary {
  enabled: ChannelName[];
  channels: { name: ChannelName; note: string }[];
  consistency: Consistency;
}

/**
 * The count posterior fused with the answer channels at one point of a run: the posterior, whether the
 * channels agree with the counts, and what each channel saw. Callers pass it on to whatever reads it.
 */
export interface ChannelFusion {
  posterior: Posterior;
  consistency: Consistency;
  summary: ChannelSummary;
}

/** The request flags the channels ask for, in name order so that a request reads the same whatever the list's order. */
function asked(channels: readonly { asks: ChannelAsks }[]): ChannelAsks {
  const flags = channels.flatMap((c) => Object.entries(c.asks));
  return Object.fromEntries(flags.sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The verdict with the fusion's consistency flags, when it has any. A run that ends while the tokens seen still
 * dispute the counts names nothing: either reading could be the wrong one (see fuseChannels).
 */
export function annotate(verdict: Verdict, fusion: ChannelFusion | undefined): Verdict & { flags?: string[] } {
  if (fusion?.consistency.disputed) {
    // the nearest exact fits are kept: they say how far each indexed tokenizer's counts were off
    const nearest = 'nearest' in verdict ? { nearest: verdict.nearest } : {};
    const undecided =
      verdict.status === 'inconclusive' ? verdict : { ...decide({ groups: [], unknown: 0 }, true)!, ...nearest };
    return { ...undecided, flags: [...fusion.consistency.flags, SEEN_TOKENS_DISPUTED] };
  }
  return fusion?.consistency.flags.length ? { ...verdict, flags: [...fusion.consistency.flags] } : verdict;
}

/** Follow-ups several channels plan alike (the same repeat) are sent once, asking for what each of them reads. */
function sentOnce(requests: readonly TargetRequest[]): TargetRequest[] {
  const byKey = new Map<string, TargetRequest>();
  for (const request of requests) {
    const key = JSON.stringify([request.messages, request.maxOutputTokens, request.followUpOf]);
    byKey.set(key, { ...byKey.get(key), ...request });
  }
  return [...byKey.values()];
}

/** The answer channels beyond the billed prompt count: what to ask for, what was seen, and the fused posterior. */
export class ChannelRuntime {
  private enabledNow: Set<ChannelName>;
  /** Set after the first answer: what the target gives and what is read. */
  discovery?: ChannelDiscovery;
  private readonly observations: ChannelObservation[] = [];
  private readonly encoders = new Map<number, Tokenizer | undefined>();
  private scores = new Map<ChannelName, ChannelScore>();
  /** Why the billed counts were set aside as unreadable, once they were. */
  private usageAside?: { reason: string; flag: string };
  private groups: readonly SignatureGroup[] = [];
  /** Groups in the order they led when encoders were last loaded. */
  private leading: number[] = [];
  /** Count requests observed so far. */
  private counted = 0;
  /** Told before each encoder is loaded (a progress line). */
  onEncoder?: EncoderListener;

  constructor(private readonly options: ChannelOptions) {
    this.enabledNow = new Set(options.enabled);
    this.onEncoder = options.onEncoder;
  }

  /** The channels read: as asked, or once discovered, those the target gives. */
  get enabled(): ReadonlySet<ChannelName> {
    return this.enabledNow;
  }

  /** Whether the channels read are those the first answer shows (none were named). */
  get discovering(): boolean {
    return Boolean(this.options.discover);
  }

  /**
   * Before the first request: what the kind of API can give at all. Discovering, channels it cannot give are not
   * asked for; named ones stay and are reported missing after the first answer.
   */
  knownOffers(offers: TargetOffers): void {
    if (this.options.discover) this.enabledNow = this.narrowed(channelsOffered(offers));
  }

  /** A field the target refused (an HTTP 400 naming it): not asked for again. */
  dropAsk(channel: ChannelName): void {
    this.enabledNow.delete(channel);
  }

  /** From now on the billed counts are absent: the channels that read them are dropped, with no flag. */
  usageAbsent(reason: string): void {
    this.usageMissing = reason;
    this.enabledNow.delete('usage');
    this.enabledNow.delete('completion');
  }
  private usageMissing?: string;

  private narrowed(offered: ReadonlySet<ChannelName>): Set<ChannelName> {
    const kept = [...this.enabledNow].filter((name) => offered.has(name));
    const better = kept.some((name) => !LAST_RESORT.includes(name));
    return new Set(kept.filter((name) => !better || !LAST_RESORT.includes(name)));
  }

  /** The first answer: what the target gives, and (discovering) the channels read from now on. Once. */
  discover(response: TargetResponse): void {
    if (this.discovery) return;
    const offered = offersSeen(response);
    const names = channelsOffered(offered, response.usage?.completionTokens !== undefined);
    const asked = [...this.enabledNow];
    if (this.options.discover) this.enabledNow = this.narrowed(names);
    const missing = this.options.discover ? [] : asked.filter((name) => !names.has(name));
    this.discovery = {
      discovered: Boolean(this.options.discover),
      offered,
      reading: [...this.enabledNow].filter((name) => !missing.includes(name)),
      missing,
    };
  }

  /** Whether answers need more than the one output token a count request asks for. */
  get readsAnswers(): boolean {
    return this.channels().some((c) => !c.promptOnly);
  }

  private channels() {
    return CHANNELS.entries.filter((c) => this.enabled.has(c.name));
  }

  requestFields(seq: number): Partial<TargetRequest> {
    const everyRequest = asked(this.channels().filter((c) => c.promptOnly));
    if (!this.readsAnswers) return everyRequest;
    return {
      ...everyRequest,
      maxOutputTokens: this.options.maxOutputTokens ?? ANSWER_TOKENS,
      ...asked(this.channels().filter((c) => !c.promptOnly)),
      temperature: this.options.temperature ?? 1,
      seed: (this.options.seed ?? 1) * 1000 + seq,
    };
  }

  async observe(
    seq: number,
    request: TargetRequest,
    response: TargetResponse,
    groups: readonly SignatureGroup[],
    count: Posterior,
  ): Promise<void> {
    this.groups = groups;
    this.discover(response);
    this.counted++;
    if (!readsAnswerChannels(this.enabled)) return;
    this.observations.push(channelObservation(seq, request, response));
    this.rescore();
    if (this.options.loadEncoder && this.channels().some((c) => c.needsEncoder)) {
      await this.loadLeaders(count);
    }
  }

  /**
   * Requests to send after answer `seq` to `request`, beside the count requests, that the channels ask for
   * (with truncation read, a repeat of part of that message cut where the leading references' token counts
   * disagree). Their answers go to `observeFollowUp`; their prompt counts are not probe counts.
   */
  followUps(seq: number, request: TargetRequest): TargetRequest[] {
    const counted = this.enabled.has('usage') && !this.usageAside;
    const planners = this.channels().filter((c) => c.followUp && !(c.followUpWithoutCounts && counted));
    if (!planners.length) return [];
    const content = request.messages.reduce((best, m) => (m.content.length > best.length ? m.content : best), '');
    const encoders = this.leading.slice(0, this.options.encoders ?? 5).flatMap((g) => this.encoders.get(g) ?? []);
    return sentOnce(planners.flatMap((c) => c.followUp?.(content, encoders, seq) ?? []));
  }

  async observeFollowUp(request: TargetRequest, response: TargetResponse, count: Posterior): Promise<void> {
    this.observations.push(channelObservation(request.followUpOf ?? 0, request, response));
    this.rescore();
    if (this.options.loadEncoder) await this.loadLeaders(count);
  }

  /** The count posterior fused with what the channels saw so far; changes nothing here. */
  fuse(count: Posterior): ChannelFusion {
    const enabled = this.usageAside ? new Set([...this.enabled].filter((name) => name !== 'usage')) : this.enabled;
    const fused = fuseChannels(count, this.scores, enabled);
    const usageNote = this.usageAside ?? (this.usageMissing ? { reason: this.usageMissing } : undefined);
    const consistency: Consistency = usageNote
      ? {
          ...fused.consistency,
          flags: this.usageAside ? [this.usageAside.flag, ...fused.consistency.flags] : fused.consistency.flags,
          trusted: {
            channels: [...enabled].filter((name) => CHANNELS.get(name).seen),
            reason: usageNote.reason,
          },
        }
      : fused.consistency;
    return {
      posterior: fused.posterior,
      consistency,
      summary: {
        enabled: [...this.enabled],
        channels: [...this.scores].map(([name, s]) => ({ name, note: s.note })),
        consistency,
      },
    };
  }

  /** Whether the run reads tokens seen in the answers, so it can go on when the billed counts are unreadable. */
  get readsSeenTokens(): boolean {
    return this.channels().some((c) => c.seen);
  }

  /** From now on the billed counts are left out of the fused posterior, and the verdict says why. */
  setUsageAside(reason: string, flag = USAGE_COUNT_IMPOSSIBLE): void {
    this.usageAside = { reason, flag };
  }

  private context(): ChannelContext {
    return { groups: this.groups, membership: this.options.membership, encoder: (g) => this.encoders.get(g) };
  }

  private rescore(): void {
    const scores = new Map<ChannelName, ChannelScore>();
    for (const channel of this.channels()) {
      const score = channel.score?.(this.observations, this.context());
      if (score) scores.set(channel.name, score);
    }
    this.scores = scores;
  }

  private async loadLeaders(count: Posterior): Promise<void> {
    const needing = this.channels().filter((c) => c.needsEncoder);
    if (needing.some((c) => !c.scoresUnloaded)) await this.loadStandInLeaders(count);
    if (needing.some((c) => c.scoresUnloaded)) await this.loadWhileUnloadedCouldLead(count);
  }

  /**
   * For channels that give a group not loaded a stand-in score: the encoders of the groups that lead now and
   * of the counts' own leaders, and without the billed counts, which rank nothing, a few more after each answer.
   */
  private async loadStandInLeaders(count: Posterior): Promise<void> {
    const k = this.options.encoders ?? 5;
    const post = this.fuse(count).posterior;
    const rank = topGroups(post, k);
    if (this.enabled.has('usage'))
      for (const g of topGroups(count, COUNT_LEADERS)) await this.loadEncoder(g, this.encoders.size + 1);
    for (const g of rank) await this.loadEncoder(g, this.encoders.size + 1);
    this.leading = rank;
    if (!this.enabled.has('usage')) {
      const untried = topGroups(post, post.groups.length).filter((g) => !this.encoders.has(g));
      for (const g of untried.slice(0, k)) await this.loadEncoder(g, this.encoders.size + 1);
    }
    this.rescore();
  }

  /**
   * For channels that score every group: encoders loaded in order of the fused posterior, once something has
   * been seen (a bare frame's answer ranks nothing), for as long as a group not loaded still holds a share that
   * could lead; such a group already has the best score its encoder could earn, so loading can only lower it.
   * The counts' own leaders are loaded too once they lead clearly: the tokens seen can only dispute a count they
   * were compared with.
   */
  private async loadWhileUnloadedCouldLead(count: Posterior): Promise<void> {
    if (!this.seenSomething()) return;
    const countLeaders = topGroups(count, COUNT_LEADERS).filter(
      (g) => count.groups[g].match + count.groups[g].derived >= COUNT_LEAD,
    );
    if (this.enabled.has('usage')) for (const g of countLeaders) await this.loadEncoder(g, this.encoders.size + 1);
    this.rescore();
    for (;;) {
      const post = this.fuse(count).posterior;
      const ranked = topGroups(post, post.groups.length);
      const share = (g: number) => post.groups[g].match + post.groups[g].derived;
      const lead = share(ranked[0]);
      if (lead * ranked.length < SAYS_SOMETHING) break;
      const open = ranked.filter((g) => !this.encoders.has(g) && share(g) >= LOAD_SHARE * lead);
      this.leading = ranked.slice(0, this.options.encoders ?? 5);
      if (!open.length) break;
      await this.loadEncoder(open[0], this.encoders.size + open.length);
      this.rescore();
    }
  }

  /** An answer shows tokens (streamed chunks, logprobs), or counts beyond the bare frame rank the groups. */
  private seenSomething(): boolean {
    return (
      this.observations.some((o) => (o.chunks?.filter(Boolean).length ?? 0) > 1 || o.tokens?.length) || this.counted > 1
    );
  }

  private async loadEncoder(group: number, planned: number): Promise<void> {
    if (this.encoders.has(group)) return;
    this.onEncoder?.(this.groups[group].references[0], this.encoders.size, planned);
    this.encoders.set(group, await this.options.loadEncoder!(this.groups[group].references[0]).catch(() => undefined));
  }
}
