import { describe, expect, it } from 'vitest';
import { coreCheckDue, planCoreCheck } from '../../src/planning/core-check.js';
import { frameText } from '../../src/probes/frame.js';
import { isDomainProbe } from '../../src/probes/domain.js';
import type { Tokenizer } from '../../src/references/tokenizer.js';
import { signatureGroups, type SignatureGroup } from '../../src/scoring/hypotheses.js';
import type { Posterior } from '../../src/scoring/posterior.js';
import { withoutClasses } from '../../src/signatures/count-index.js';
import { packTotal } from '../../src/signatures/observations.js';
import { REDUCTIONS } from '../../src/signatures/probe-reductions.js';
import { applyVocabularyChanges } from '../../src/targets/vocabulary-changes.js';
import { seededRng } from '../../src/util/rng.js';
import { committedCountIndex } from '../helpers/count-index.js';
import { realTokenizer, realTokenizerFiles } from '../helpers/real-tokenizers.js';
import { record } from '../helpers/request-record.js';

/** `lead` on the group holding `leaderId`, as matched or as changed; 0.01 on each other group; the rest unknown. */
function leadingPost(groups: readonly SignatureGroup[], leaderId: string, lead: number, changed: boolean): Posterior {
  const scores = groups.map((group) => {
    const share = group.references.includes(leaderId) ? lead : 0.01 / groups.length;
    return {
      group,
      predicted: [],
      offset: 0,
      deviations: [],
      match: changed ? 0 : share,
      derived: changed ? share : 0,
    };
  });
  const held = scores.reduce((sum, s) => sum + s.match + s.derived, 0);
  return { groups: scores, unknown: 1 - held };
}

/** What a tokenizer bills a pack of probes, less the bare frame, as a request carrying them is counted. */
function packCount(tokenizer: Tokenizer, texts: readonly string[]): number {
  return tokenizer.encode(frameText([...texts])).length - tokenizer.encode(frameText([])).length;
}

describe("the leader's core check", () => {
  it('is due once the leader leads as changed with its edges checked, once per leader', async () => {
    const groups = signatureGroups(await committedCountIndex());
    const qwen = leadingPost(groups, 'qwen2.5', 0.6, true);
    const sent = [record(1, 'frame'), record(2, 'words'), record(3, 'edge', 'qwen2.5')];
    expect(coreCheckDue(qwen, sent, true)).toBe(true);
    // not before its edges are checked, nor while it leads as matched
    expect(coreCheckDue(qwen, sent, false)).toBe(false);
    expect(coreCheckDue(leadingPost(groups, 'qwen2.5', 0.6, false), sent, true)).toBe(false);
    // once for this leader; a new leader gets its own
    const checked = [...sent, record(4, 'core', 'qwen2.5')];
    expect(coreCheckDue(qwen, checked, true)).toBe(false);
    expect(coreCheckDue(leadingPost(groups, 'gemma3', 0.6, true), checked, true)).toBe(true);
  });

  it('holds only text the leader counts in the fewest tokens of every family, with none of its rare, newest, digit or punctuation tokens and no domain term', async () => {
    const index = await committedCountIndex();
    const groups = signatureGroups(index);
    const planned = planCoreCheck(leadingPost(groups, 'qwen2.5', 0.6, true), groups, index, new Set(), seededRng(3));
    expect(planned?.stratum).toBe('core');
    expect(planned?.tested).toBe('qwen2.5');
    const own = groups.find((g) => g.references.includes('qwen2.5'))!;
    expect(planned!.pack.length).toBeGreaterThan(5);
    for (const p of planned!.pack) {
      expect(isDomainProbe(index.probes[p])).toBe(false);
      for (const r of REDUCTIONS) expect(own.reductions?.[r][p] ?? 0, `${r} of ${index.probes[p].id}`).toBe(0);
      for (const g of groups)
        if (g.family !== own.family) expect(own.counts[p], index.probes[p].id).toBeLessThanOrEqual(g.counts[p]);
    }
    // the probes already sent are left out
    const again = planCoreCheck(
      leadingPost(groups, 'qwen2.5', 0.6, true),
      groups,
      index,
      new Set(planned!.pack),
      seededRng(3),
    );
    expect(again!.pack.some((p) => planned!.pack.includes(p))).toBe(false);
  });

  it('a pruned and re-split copy of the leader counts its core exactly; a vocabulary outside the index does not', async () => {
    const full = await committedCountIndex();
    // Gemma 3 taken out of the index, as a tokenizer the index lacks
    const index = withoutClasses(
      full,
      full.classes.filter((c) => c.family === 'gemma3').map((c) => c.id),
    );
    const groups = signatureGroups(index);
    const planned = planCoreCheck(leadingPost(groups, 'qwen2.5', 0.6, true), groups, index, new Set(), seededRng(5))!;
    const texts = planned.pack.map((p) => index.probes[p].text);
    const own = groups.find((g) => g.references.includes('qwen2.5'))!;
    const predicted = packTotal(own.counts, planned.pack);

    const qwen = await realTokenizer('qwen2.5');
    const changed = applyVocabularyChanges({ main: (await realTokenizerFiles('qwen2.5')).main }, qwen, [
      { kind: 'drop-merges', count: 1500 },
      { kind: 'pre-tokenizer', split: 'digits' },
    ]);
    expect(packCount(changed, texts)).toBe(predicted);
    expect(packCount(await realTokenizer('gemma3'), texts)).not.toBe(predicted);
  });

  // Pruned by thousands of merges, a copy splits common words too: Llama 3 pruned by 12,293 merges counted a core free
  // of its last 2,000 merges 10 tokens over, as a tokenizer outside the index would.
  it.each([
    ['llama3', 15_000],
    ['qwen2.5', 18_000],
  ] as const)('a copy of %s pruned by %i merges counts its core exactly', async (leader, dropped) => {
    const index = await committedCountIndex();
    const groups = signatureGroups(index);
    const planned = planCoreCheck(leadingPost(groups, leader, 0.6, true), groups, index, new Set(), seededRng(7))!;
    const own = groups.find((g) => g.references.includes(leader))!;
    const texts = planned.pack.map((p) => index.probes[p].text);
    const pruned = applyVocabularyChanges(
      { main: (await realTokenizerFiles(leader)).main },
      await realTokenizer(leader),
      [{ kind: 'drop-merges', count: dropped }],
    );
    expect(packCount(pruned, texts)).toBe(packTotal(own.counts, planned.pack));
    // the pruning reaches text elsewhere in the pool
    const stratum = index.probes
      .map((_, p) => p)
      .filter((p) => (own.reductions?.deep?.[p] ?? 0) > 0)
      .slice(0, 40);
    expect(
      packCount(
        pruned,
        stratum.map((p) => index.probes[p].text),
      ),
    ).toBeGreaterThan(packTotal(own.counts, stratum));
  });

  it('asks a class with no strict core for text it counts within a token of the fewest, the strict part first', async () => {
    const full = await committedCountIndex();
    // Baichuan 2 taken out of the index, as a tokenizer the index lacks
    const index = withoutClasses(
      full,
      full.classes.filter((c) => c.family === 'baichuan2').map((c) => c.id),
    );
    const groups = signatureGroups(index);
    const post = leadingPost(groups, 'yi', 0.6, true);
    // with or without noise: its strict core alone holds too few tokens to ask
    const planned = planCoreCheck(post, groups, index, new Set(), seededRng(4))!;
    expect(planCoreCheck(post, groups, index, new Set(), seededRng(4), 2)?.pack.length).toBeGreaterThan(0);
    expect(planned.stratum).toBe('core');
    expect(planned.tested).toBe('yi');
    const own = groups.find((g) => g.references.includes('yi'))!;
    const least = (p: number) => Math.min(...groups.filter((g) => g.family !== own.family).map((g) => g.counts[p]));
    const near = planned.pack.map((p) => own.counts[p] > least(p));
    for (const p of planned.pack) {
      expect(own.counts[p], index.probes[p].id).toBeLessThanOrEqual(least(p) + 1);
      for (const r of REDUCTIONS) expect(own.reductions?.[r][p] ?? 0, `${r} of ${index.probes[p].id}`).toBe(0);
    }
    expect(near.some(Boolean)).toBe(true);
    expect(near.indexOf(true)).toBeGreaterThan(near.lastIndexOf(false) - 1);

    const texts = planned.pack.map((p) => index.probes[p].text);
    const predicted = packTotal(own.counts, planned.pack);
    const yi = await realTokenizer('yi');
    const changed = applyVocabularyChanges({ main: (await realTokenizerFiles('yi')).main }, yi, [
      { kind: 'drop-merges', count: 1500 },
    ]);
    expect(packCount(changed, texts)).toBe(predicted);
    expect(packCount(await realTokenizer('baichuan2'), texts)).not.toBe(predicted);
  });
});
