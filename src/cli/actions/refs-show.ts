import type { CliIo } from '../io.js';
import { describeSource, requireEntry } from '../../references/catalog.js';
import type { PinnedFile } from '../../references/manifest.js';
import { pinnedState } from '../../references/store/pinned-cache.js';
import { refsContext } from './refs-context.js';
import { formatTable } from './refs-list.js';

export default async function refsShow(io: CliIo, id: string, options: { json?: boolean }): Promise<number> {
  const { catalog, fetch } = await refsContext(io);
  const { entry, origin } = requireEntry(catalog, id);
  const files = Object.entries(entry.source.files) as [string, PinnedFile][];
  const cache = Object.fromEntries(
    await Promise.all(files.map(async ([role, file]) => [role, await pinnedState(fetch.cacheRoot, file.sha256)])),
  );
  const referenceClass = catalog.classes.get(entry.id) ?? null;
  if (options.json) {
    io.stdout(`${JSON.stringify({ ...entry, origin, class: referenceClass, cache }, null, 2)}\n`);
    return 0;
  }
  const rows: string[][] = [
    ['id', entry.id],
    ['family', entry.family],
    ['class', referenceClass ?? '-'],
    ['publisher', entry.publisher || '-'],
    ['jurisdiction', entry.jurisdiction || '-'],
    ['license', entry.license || '-'],
    ['models', entry.models.join(', ') || '-'],
    ['format', entry.format],
    ['source', describeSource(entry)],
    ['index', origin === 'committed' ? 'built-in' : `user (${catalog.userManifestPath})`],
    ...files.map(([role, file]) => [`${role} file`, `${file.path} sha256 ${file.sha256} ${cache[role]}`]),
  ];
  if (entry.tiktoken)
    rows.push(
      ['split pattern', entry.tiktoken.pattern],
      ['special tokens', String(Object.keys(entry.tiktoken.specialTokens).length)],
    );
  if (entry.verification) rows.push(['verification', entry.verification]);
  if (entry.notes) rows.push(['notes', entry.notes]);
  io.stdout(formatTable(rows));
  return 0;
}
