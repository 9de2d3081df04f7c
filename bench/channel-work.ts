import { performance } from 'node:perf_hooks';
import { committedIndexDir } from '../src/references/catalog.js';
import type { Tokenizer } from '../src/references/tokenizer.js';
import { identify } from '../src/run/driver.js';
import { parseChannels } from '../src/scoring/channels/registry.js';
import { ChannelRuntime } from '../src/scoring/channels/runtime.js';
import { DEFAULT_BUDGET } from '../src/scoring/identify.js';
import type { CountIndex } from '../src/signatures/count-index.js';
import { readVocabMembership } from '../src/signatures/vocab-membership-file.js';
import { chatTemplate } from '../src/targets/chat-templates.js';
import { simulatedTarget } from '../src/targets/sim-target.js';
import type { Target } from '../src/targets/target.js';
import { seededRng } from '../src/util/rng.js';

const ROWS = ['stream', 'logprobs', 'usage,stream', 'usage,logprobs', 'usage,stream,logprobs'];
const RUNS = 7;

/**
 * The local work the answer channels add to a run once the reference tokenizers they load are in memory (issue
 * target: under 1 s per run): identify on a simulated target streaming two tokens per chunk with five logprob
 * alternatives, less the time inside the target and less the same run on counts alone. Encoders come from a
 * map filled by a first, untimed run of each row.
 */
export async function channelWork(
  index: CountIndex,
  id: string,
  tokenizer: Tokenizer,
  loadTokenizer: (referenceId: string) => Promise<Tokenizer | undefined>,
  out: (line: string) => void,
): Promise<void> {
  const membership = await readVocabMembership(committedIndexDir());
  const loaded = new Map<string, Tokenizer | undefined>();
  const loadEncoder = async (ref: string) => {
    if (!loaded.has(ref)) loaded.set(ref, await loadTokenizer(ref));
    return loaded.get(ref);
  };
  const sim = simulatedTarget({
    id: `sim:${id}`,
    description: 'channel work',
    tokenizer,
    template: chatTemplate('chatml'),
    hiddenSystemPrompt: '',
    answers: { seed: 5, streamInterval: 2, topLogprobs: 5 },
  });
  const run = async (channels: string | undefined, seed: number): Promise<number> => {
    let inside = 0;
    const target: Target = {
      ...sim,
      send: async (request) => {
        const t = performance.now();
        const answer = await sim.send(request);
        inside += performance.now() - t;
        return answer;
      },
    };
    const runtime =
      channels === undefined
        ? undefined
        : new ChannelRuntime({ enabled: parseChannels(channels), membership, loadEncoder, seed });
    const t = performance.now();
    await identify({ target, index, budget: DEFAULT_BUDGET, rng: seededRng(seed), channels: runtime });
    return performance.now() - t - inside;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) base.push(await run(undefined, i + 1));
  const cells: string[] = [];
  for (const row of ROWS) {
    await run(row, 1);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await run(row, i + 1));
    cells.push(`${row} ${(median(times) - median(base)).toFixed(0)} ms`);
  }
  out(
    `answer channels' own work per run on sim:${id} (2 tokens per chunk, 5 alternatives; encoders loaded; median of ${RUNS}, less counts alone at ${median(base).toFixed(0)} ms): ${cells.join('; ')}  [target < 1000 ms]`,
  );
}
