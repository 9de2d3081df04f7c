import type { CliIo } from '../io.js';
import { describeSource } from '../../references/catalog.js';
import { refsContext } from './refs-context.js';

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

export default async function refsList(io: CliIo, options: { json?: boolean; index?: string }): Promise<number> {
  const { catalog } = await refsContext(io, options.index);
  const rows = catalog.entries.map(({ entry }) => ({
    id: entry.id,
    family: entry.family,
    class: catalog.classes.get(entry.id) ?? null,
    publisher: entry.publisher,
    models: entry.models,
    source: describeSource(entry),
    sha256: entry.source.files.main.sha256,
  }));
  if (options.json) {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (!rows.length) {
    io.stdout('no references yet; add one with tokprint refs add\n');
    return 0;
  }
  const header = ['ID', 'FAMILY', 'CLASS', 'PUBLISHER', 'MODELS'];
  io.stdout(
    formatTable([
      header,
      ...rows.map((row) => [row.id, row.family, row.class ?? '-', row.publisher || '-', row.models.join(', ') || '-']),
    ]),
  );
  return 0;
}
