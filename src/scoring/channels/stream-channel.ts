import { bestCanonicalFit, canonicalFit, edgeMisses } from './canonical-edges.js';
import { defineChannel } from './channel.js';
import { groupClasses, piecesOf, streamedPieces, vocabularySize } from './chunk-pieces.js';
import { changedOrUnseen } from './extension-rate.js';
import { planRepeat, repeatRequest } from './repeat-cut.js';
import { batchingFit, DERIVED_MISFIT, MATCH_MISFIT, ruling as rulingCosts } from './stream-batching.js';

/** Log of the share of tokens a changed vocabulary leaves as its base has them. */
const DERIVED_TOKEN_SHARE_LOG = Math.log(0.98);
/** An unindexed vocabulary is taken to spell a chunk as a batch of its tokens about this often. */
const UNKNOWN_FIT = Math.log(0.8);

/**
 * Streamed chunks against every group's vocabulary, loaded or not: each chunk of n tokens needs at most n of
 * the true vocabulary's entries (fewest-piece counts from the membership filters, with the batch size unknown
 * and learned over the run), and no more than the output tokens billed for the answer. Where a group's
 * encoder is loaded, chunk edges inside its canonical tokens count softly at a learned rate; a group not
 * loaded is given the best rate it could have, so not loading it never counts against it.
 */
export const streamChannel = defineChannel({
  name: 'stream',
  help: "chunks of streamed answers against each vocabulary and each reference's segmentation (on with --stream)",
  asks: { wantChunks: true },
  promptOnly: false,
  seen: true,
  needsEncoder: true,
  scoresUnloaded: true,
  impliedBy: 'stream',
  // A repeat of a stretch the leading references segment differently: its chunk edges fall on the true tokenizer's
  // boundaries in a text chosen to tell them apart.
  followUpWithoutCounts: true,
  followUp(content, encoders, seq) {
    const probe = planRepeat(content, encoders);
    return probe && { ...repeatRequest(probe, seq), wantChunks: true };
  },
  score(observations, { groups, membership, encoder }) {
    const streamed = observations.filter((o) => (o.chunks?.filter(Boolean).length ?? 0) > 1);
    if (!streamed.length || !membership) return undefined;
    const pieces = streamed.map((o) => streamedPieces(o, membership));
    const classes = groupClasses(groups, membership);
    const edges = streamed.reduce((s, o) => s + o.chunks!.filter(Boolean).length - 1, 0);
    const best = bestCanonicalFit(edges);
    const match = new Array<number>(groups.length).fill(Number.NEGATIVE_INFINITY);
    const derived = new Array<number>(groups.length).fill(Number.NEGATIVE_INFINITY);
    const ruling = { match: [...match], derived: [...derived], unknown: 0 };
    const sizeOf = vocabularySize(classes, membership);
    const canonicalOf = groups.map((_, g) => {
      const tokenizer = encoder(g);
      return tokenizer && classes[g].length ? canonicalFit(streamed.map((o) => edgeMisses(o, tokenizer))) : undefined;
    });
    const comparedCanonical = canonicalOf.filter((c) => c !== undefined);
    // A flag may rest on a segmentation only against a group whose own was compared: one not loaded is taken to
    // segment as well as the best loaded one, not as well as any could.
    const rulingBest = comparedCanonical.length ? Math.max(...comparedCanonical) : best;
    groups.forEach((_, g) => {
      if (!classes[g].length) return;
      const answers = pieces.map((p) => ({
        pieces: piecesOf(p, classes[g]),
        extra: p.chunks.map((c) => c.extra),
        total: p.total,
      }));
      const canonical = canonicalOf[g] ?? best;
      const rulingCanonical = canonicalOf[g] ?? rulingBest;
      const tokens = answers.reduce((s, a) => s + a.pieces.reduce((t, m) => t + (Number.isFinite(m) ? m : 1), 0), 0);
      const size = tokens * sizeOf[g];
      // A changed vocabulary segments like its base almost everywhere, but where its tokens changed a chunk would
      // split differently: no such sign is weak evidence it was not changed, bounded as its change may not show.
      const unchanged = DERIVED_TOKEN_SHARE_LOG * tokens;
      ruling.match[g] = batchingFit(answers, rulingCosts(MATCH_MISFIT)) + rulingCanonical;
      ruling.derived[g] = changedOrUnseen(
        ruling.match[g],
        batchingFit(answers, rulingCosts(DERIVED_MISFIT)) + unchanged + rulingCanonical,
      );
      match[g] = batchingFit(answers, MATCH_MISFIT) + canonical + size;
      derived[g] = changedOrUnseen(match[g], batchingFit(answers, DERIVED_MISFIT) + unchanged + canonical + size);
    });
    // Unknown: a vocabulary like the closest indexed one, changed, that does not fit every chunk as well as the
    // true one would. A group with no indexed class is taken to be like that.
    const closest = Math.max(...derived);
    const unknown = (Number.isFinite(closest) ? closest : best) + UNKNOWN_FIT * edges;
    ruling.unknown = Math.max(...ruling.derived) + UNKNOWN_FIT * edges;
    classes.forEach((c, g) => {
      if (c.length) return;
      match[g] = derived[g] = unknown;
      ruling.match[g] = ruling.derived[g] = ruling.unknown;
    });
    return {
      match,
      derived,
      unknown,
      ruling,
      note: `${edges} chunk edges in ${streamed.length} streamed answers against every vocabulary, ${comparedCanonical.length} references' segmentations compared`,
    };
  },
});
