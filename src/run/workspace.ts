import { activeIndexDir, type Catalog, loadCatalog, requireEntry } from '../references/catalog.js';
import { createTokenizer } from '../references/formats/index.js';
import { fetchReferenceFiles } from '../references/load-reference.js';
import type { ReferenceEntry } from '../references/manifest.js';
import { cacheDir } from '../references/store/cache-dir.js';
import type { TokenizerFiles } from '../references/tokenizer.js';
import { type ChannelName, parseChannels, readsAnswerChannels } from '../scoring/channels/registry.js';
import { ChannelRuntime } from '../scoring/channels/runtime.js';
import type { CountIndex } from '../signatures/count-index.js';
import { probePoolDir } from '../signatures/index-section.js';
import { loadCountIndex } from '../signatures/load-count-index.js';
import { readVocabMembership, type VocabMembership } from '../signatures/vocab-membership-file.js';

/** An indexed reference's manifest entry and pinned files; throws a UserError for an unknown id. */
export type ReferenceLoader = (id: string) => Promise<{ entry: ReferenceEntry; files: TokenizerFiles }>;

/**
 * What every run command works against, set up once: the catalog of references, where their files are
 * cached, the active index and the channels' shared data. The count index and the vocabulary membership
 * are read on first use, so commands that never score (a report) do not pay for them.
 */
export interface Workspace {
  readonly env: NodeJS.ProcessEnv;
  readonly catalog: Catalog;
  /** Where pinned tokenizer files are kept. */
  readonly cacheRoot: string;
  /** The index in use: the user's when built, else the committed one. */
  readonly indexDir: string;
  readonly reference: ReferenceLoader;
  countIndex(): Promise<CountIndex>;
  /** A fresh channel runtime reading these channels; undefined when the billed counts alone are read. */
  channels(enabled: ReadonlySet<ChannelName>, seed: number, discover?: boolean): Promise<ChannelRuntime | undefined>;
  /**
   * A channel runtime for channels named in a list (a recorded run's config, a library call), checked as
   * `--channels` is; the billed counts alone when the list is absent.
   */
  namedChannels(config: {
    channels?: readonly string[];
    discover?: boolean;
    seed: number;
  }): Promise<ChannelRuntime | undefined>;
}

export async function openWorkspace(env: NodeJS.ProcessEnv): Promise<Workspace> {
  const catalog = await loadCatalog({ env });
  const cacheRoot = cacheDir(env);
  const indexDir = activeIndexDir(env);
  const reference: ReferenceLoader = async (id) => {
    const { entry } = requireEntry(catalog, id);
    return { entry, files: await fetchReferenceFiles(entry, { cacheRoot }) };
  };
  let index: Promise<CountIndex> | undefined;
  let membership: Promise<VocabMembership | undefined> | undefined;
  const loadEncoder = async (id: string) => {
    const { entry, files } = await reference(id);
    return createTokenizer(entry.format, files, entry.tiktoken);
  };
  const channels = async (enabled: ReadonlySet<ChannelName>, seed: number, discover = false) => {
    if (!readsAnswerChannels(enabled)) return undefined;
    membership ??= readVocabMembership(indexDir);
    return new ChannelRuntime({ enabled: new Set(enabled), membership: await membership, loadEncoder, seed, discover });
  };
  return {
    env,
    catalog,
    cacheRoot,
    indexDir,
    reference,
    countIndex() {
      index ??= loadCountIndex({
        indexDir,
        poolDir: probePoolDir(),
        facts: catalog.entries.map(({ entry }) => entry),
      });
      return index;
    },
    channels,
    namedChannels: (config) =>
      channels(
        config.channels ? parseChannels(config.channels.join(',')) : new Set(['usage']),
        config.seed,
        config.discover,
      ),
  };
}
