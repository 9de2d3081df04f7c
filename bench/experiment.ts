import { loadCatalog, committedIndexDir } from '../src/references/catalog.js';
import { loadCountIndex } from '../src/signatures/load-count-index.js';
import { probePoolDir } from '../src/signatures/index-section.js';
import { createTarget } from '../src/targets/create-target.js';
import { fetchReferenceFiles } from '../src/references/load-reference.js';
import { cacheDir } from '../src/references/store/cache-dir.js';
import { identify, DEFAULT_BUDGET } from '../src/scoring/identify.js';
import { seededRng } from '../src/util/rng.js';
import { requireEntry } from '../src/references/catalog.js';
import { rankedGroups } from '../src/scoring/verdict.js';

const catalog = await loadCatalog({ env: process.env });
const index = await loadCountIndex({ indexDir: committedIndexDir(), poolDir: probePoolDir(), facts: catalog.entries.map((e) => e.entry) });
const deps = { cwd: process.cwd(), env: process.env, reference: async (id: string) => { const { entry } = requireEntry(catalog, id); return { entry, files: await fetchReferenceFiles(entry, { cacheRoot: cacheDir() }) }; } };
for (const spec of process.argv.slice(2)) {
  const target = await createTarget(spec, deps);
  const t0 = Date.now();
  const r = await identify({ target, index, budget: DEFAULT_BUDGET, rng: seededRng(1) });
  const b = rankedGroups(r.posterior).slice(0, 3).map((b) => `${b.group.references[0]}:m${b.match.toFixed(3)}/d${b.derived.toFixed(3)}`);
  console.log(spec, r.verdict.status, r.verdict.reference, r.verdict.confidence.toFixed(4), 'q', r.queries, 'tok', r.promptTokens, r.requests.map((q) => `${q.stratum}:${q.probes.length}`).join(','), 'u', r.posterior.unknown.toExponential(2), b.join(' '), Date.now() - t0, 'ms');
}
