import type { Tokenizer } from '../../references/tokenizer.js';
import type { VocabMembership } from '../../signatures/vocab-membership-file.js';
import { filterHas } from '../../signatures/vocab-membership.js';
import type { TargetOffers, TargetRequest, TargetResponse } from '../../targets/target.js';
import type { SignatureGroup } from '../hypotheses.js';
import type { Posterior } from '../posterior.js';
import type { Verdict } from '../verdict.js';
import { USAGE_COUNT_IMPOSSIBLE } from '../usage-check.js';
import type { ChannelAsks, ChannelContext, ChannelObservation, ChannelScore } from './channel.js';
import { fuseChannels, type Consistency } from './fuse.js';
import { channelObservation } from './observation.js';
import { channelsOffered, offersSeen } from './offered.js';
import { CHANNELS, readsAnswerChannels, type ChannelName } from './registry.js';

/** Output tokens per answer: enough that the tokens seen (and their alternatives) can overrule reported counts. */
const ANSWER_TOKENS = 32;
/** The counts' leading groups whose encoders are loaded whatever the answers look like. */
const COUNT_LEADERS = 2;

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
  /** How many leading groups get their encoder loaded. */
  encoders?: number;
  /**
   * `enabled` lists the channels to try: the first answer asks for all of them, and the run reads those the
   * target showed it gives (no `--channels` given). Otherwise `enabled` is read as asked.
   */
  discover?: boolean;
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

/** Read only when the target gives nothing better: its repeat requests cost requests of the budget. */
const LAST_RESORT: readonly ChannelName[] = ['truncation'];

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

/** The verdict with the fusion's consistency flags, when it has any. */
export function annotate(verdict: Verdict, fusion: ChannelFusion | undefined): Verdict & { flags?: string[] } {
  return fusion?.consistency.flags.length ? { ...verdict, flags: [...fusion.consistency.flags] } : verdict;
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

  constructor(private readonly options: ChannelOptions) {
    this.enabledNow = new Set(options.enabled);
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
    this.discovery = {
      discovered: Boolean(this.options.discover),
      offered,
      reading: [...this.enabledNow],
      missing: this.options.discover ? [] : asked.filter((name) => !names.has(name)),
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
    if (!readsAnswerChannels(this.enabled)) return;
    this.observations.push(channelObservation(seq, request, response));
    this.rescore();
    if (this.options.loadEncoder && this.channels().some((c) => c.needsEncoder)) {
      await this.loadLeaders(this.fuse(count).posterior, count);
      this.rescore();
    }
  }

  /**
   * Requests to send after answer `seq` to `request`, beside the count requests, that the channels ask for
   * (with truncation read, a repeat of part of that message cut where the leading references' token counts
   * disagree). Their answers go to `observeFollowUp`; their prompt counts are not probe counts.
   */
  followUps(seq: number, request: TargetRequest): TargetRequest[] {
    const planners = this.channels().filter((c) => c.followUp);
    if (!planners.length) return [];
    const content = request.messages.reduce((best, m) => (m.content.length > best.length ? m.content : best), '');
    const encoders = this.leading.slice(0, this.options.encoders ?? 5).flatMap((g) => this.encoders.get(g) ?? []);
    return planners.flatMap((c) => c.followUp?.(content, encoders, seq) ?? []);
  }

  async observeFollowUp(request: TargetRequest, response: TargetResponse, count: Posterior): Promise<void> {
    this.observations.push(channelObservation(request.followUpOf ?? 0, request, response));
    this.rescore();
    if (this.options.loadEncoder) {
      await this.loadLeaders(this.fuse(count).posterior, count);
      this.rescore();
    }
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

  /**
   * Encoders of the groups that lead now, or lead on streamed chunks being vocabulary tokens, and of the
   * counts' own leaders: the tokens seen can only dispute a count they were compared with.
   */
  private async loadLeaders(post: Posterior, count: Posterior): Promise<void> {
    const k = this.options.encoders ?? 5;
    const chunkFit = this.chunkMembership();
    const rank = post.groups
      .map((g, i) => ({ i, w: Math.log(g.match + g.derived + 1e-300) + (chunkFit[i] ?? 0) }))
      .sort((a, b) => b.w - a.w)
      .slice(0, k);
    if (this.enabled.has('usage')) for (const i of topGroups(count, COUNT_LEADERS)) await this.loadEncoder(i);
    for (const { i } of rank) await this.loadEncoder(i);
    this.leading = rank.map(({ i }) => i);
    // Without the billed counts nothing ranks the groups yet, so a few more are tried after each answer.
    if (!this.enabled.has('usage')) {
      const untried = post.groups
        .map((_, i) => i)
        .filter((i) => !this.encoders.has(i))
        .sort((a, b) => (chunkFit[b] ?? 0) - (chunkFit[a] ?? 0));
      for (const i of untried.slice(0, k)) await this.loadEncoder(i);
    }
  }

  private async loadEncoder(group: number): Promise<void> {
    if (this.encoders.has(group)) return;
    this.encoders.set(group, await this.options.loadEncoder!(this.groups[group].references[0]).catch(() => undefined));
  }

  /** A streamed chunk is usually one token: how many chunks each group's vocabulary holds whole. */
  private chunkMembership(): number[] {
    const membership = this.options.membership;
    if (!membership || !this.enabled.has('stream')) return [];
    const filters = new Map(membership.classes.map((c) => [c.id, c.filter]));
    const chunks = this.observations.flatMap((o) => o.chunks ?? []).map((c) => new TextEncoder().encode(c));
    return this.groups.map((group) =>
      chunks.reduce(
        (sum, bytes) =>
          sum +
          (group.classIds.some((id) => filters.has(id) && filterHas(filters.get(id)!, bytes)) ? 0 : Math.log(0.2)),
        0,
      ),
    );
  }
}
