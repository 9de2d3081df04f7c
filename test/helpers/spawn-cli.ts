import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface SpawnedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, as a user runs it: its own process, so locks and kills are real. */
export const BUILT_CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');

export function spawnCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => void (stdout += chunk));
  child.stderr.on('data', (chunk) => void (stderr += chunk));
  const done = new Promise<SpawnedResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}
