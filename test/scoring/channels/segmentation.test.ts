import { describe, expect, it } from 'vitest';
import { chunkEdges, referenceBoundaries } from '../../../src/scoring/channels/segmentation.js';
import { detokenize } from '../../helpers/detokenizing-openai-server.js';
import { committedTokenizer } from '../../helpers/manifest-references.js';

const TEXT = 'The quick brown fox, über naïve 你好世界 jumps\nover  the lazy dog. 1234 tokens!';

describe('a SentencePiece answer streamed one token per chunk against its own tokenizer', () => {
  it.each(['llama2', 'yi', 'internlm2'])(
    '%s: every chunk edge is one of its boundaries and every boundary shows',
    async (reference) => {
      const tokenizer = await committedTokenizer(reference);
      for (const text of [TEXT, ` ${TEXT}`]) {
        const chunks = detokenize(tokenizer, tokenizer.encode(text), 1).map((c) => c.text);
        const streamed = chunks.join('');
        const boundaries = referenceBoundaries(tokenizer, streamed);
        expect(boundaries).toBeDefined();
        const edges = chunkEdges(chunks);
        expect([...edges].filter((e) => !boundaries!.has(e))).toEqual([]);
        expect([...boundaries!].filter((b) => !edges.has(b))).toEqual([]);
        expect(edges.size).toBeGreaterThan(20);
      }
    },
  );

  it('several tokens per chunk leave only unseen boundaries, no chunk edge inside a token', async () => {
    const tokenizer = await committedTokenizer('llama2');
    const chunks = detokenize(tokenizer, tokenizer.encode(TEXT), 3).map((c) => c.text);
    const edges = chunkEdges(chunks);
    const boundaries = referenceBoundaries(tokenizer, chunks.join(''))!;
    expect([...edges].filter((e) => !boundaries.has(e))).toEqual([]);
    expect(boundaries.size - edges.size).toBeGreaterThan(edges.size);
  });
});
