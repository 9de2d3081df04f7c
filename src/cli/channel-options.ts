import { createTokenizer } from '../references/formats/index.js';
import { impliedChannels, parseChannels, readsAnswerChannels } from '../scoring/channels/registry.js';
import { ChannelRuntime } from '../scoring/channels/runtime.js';
import type { TargetDeps } from '../targets/create-target.js';
import { readVocabMembership } from '../signatures/vocab-membership-file.js';

/**
 * The channels a run reads: `--channels` when given, else the billed counts plus whatever `--stream`
 * and `--logprobs` ask for. Undefined when counts alone are read, so such runs behave as before.
 */
export async function channelRuntime(
  options: { channels?: string; stream?: boolean; logprobs?: boolean; seed: number },
  indexDir: string,
  reference: TargetDeps['reference'],
): Promise<ChannelRuntime | undefined> {
  const enabled = options.channels !== undefined ? parseChannels(options.channels) : impliedChannels(options);
  if (!readsAnswerChannels(enabled)) return undefined;
  const loadEncoder = async (id: string) => {
    const { entry, files } = await reference(id);
    return createTokenizer(entry.format, files, entry.tiktoken);
  };
  return new ChannelRuntime({
    enabled,
    membership: await readVocabMembership(indexDir),
    loadEncoder,
    seed: options.seed,
  });
}
