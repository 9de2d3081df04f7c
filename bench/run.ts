import { mine } from './mine.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

const tasks: Record<string, (args: string[]) => Promise<void>> = {
  mine: () => mine(log),
  perf: async (args) => (await import('./perf.js')).perf(args, (line) => process.stdout.write(`${line}\n`), log),
  accuracy: async (args) =>
    (await import('./accuracy.js')).accuracy(args, (line) => process.stdout.write(`${line}\n`), log),
  'lineage-activations': async (args) =>
    (await import('./lineage-activations.js')).lineageActivations(
      args,
      (line) => process.stdout.write(`${line}\n`),
      log,
    ),
  lineage: async (args) =>
    (await import('./lineage.js')).lineage(args, (line) => process.stdout.write(`${line}\n`), log),
};

const [name, ...rest] = process.argv.slice(2);
const task = name ? tasks[name] : undefined;
if (!task) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(tasks).join('|')}> [options]\n`);
  process.exit(2);
}
await task(rest);
