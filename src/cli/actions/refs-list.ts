import type { CliIo } from '../io.js';

export default async function refsList(io: CliIo, options: { json?: boolean }): Promise<number> {
  io.stdout(options.json ? '[]\n' : 'no references yet\n');
  return 0;
}
