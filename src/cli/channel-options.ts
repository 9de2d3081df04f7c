import { createTokenizer } from '../references/formats/index.js';
import { parseChannels, type ChannelName } from '../scoring/channels/channel.js';
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
  const enabled: Set<ChannelName> =
    options.channels !== undefined
      ? parseChannels(options.channels)
      : new Set<ChannelName>([
          'usage',
          ...(options.stream ? (['stream'] as const) : []),
          ...(options.logprobs ? (['logprobs'] as const) : []),
        ]);
  if (enabled.size === 1 && enabled.has('usage')) return undefined;
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
