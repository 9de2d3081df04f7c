import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAR_LINE, SPINNER } from '../../src/report/progress-line.js';
import { BUILT_CLI } from '../helpers/spawn-cli.js';

let root: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tokprint-pty-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TOKPRINT_HOME: join(root, 'home'),
    TOKPRINT_CACHE: process.env.TOKPRINT_CACHE,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
    TERM: 'xterm',
  };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quoted = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** The built CLI on a pseudo-terminal (util-linux `script`): stdout and stderr both terminals, read as one. */
function onTerminal(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BUILT_CLI, ...args].map(quoted).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (chunk) => void (screen += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, screen })));
}

const FRAME = new RegExp(`tokprint: [${SPINNER.join('')}] `, 'g');

describe('the progress line on a real terminal', () => {
  it('spins from its own thread while the index loads and answers are awaited, and is erased before the verdict', async () => {
    const { code, screen } = await onTerminal(['identify', '--channels', 'usage', '--out', join(root, 'runs')]);
    expect(code).toBe(0);
    expect(screen).toMatch(new RegExp(`${CLEAR_LINE.replace('[', '\\[')}tokprint: \\S loading the reference index`));
    expect(screen).toMatch(/tokprint: \S request 1\/6 sent, waiting for the answer/);
    // the line is erased once, right before the summary, and no frame is drawn after it
    const summary = screen.slice(screen.lastIndexOf(CLEAR_LINE) + CLEAR_LINE.length);
    expect(summary).toMatch(/^(\u001b\[[0-9;]*m)*target: sim:deepseek-v3/);
    expect(summary).toMatch(/match: deepseek-v3/);
    expect(summary.match(FRAME)).toBeNull();
    expect(summary).toMatch(/\u001b\[1m/);
  });

  it('NO_COLOR leaves the verdict plain and the progress line as it is', async () => {
    const { code, screen } = await onTerminal(['identify', '--channels', 'usage', '--out', join(root, 'plain')], {
      NO_COLOR: '1',
    });
    expect(code).toBe(0);
    const verdictAt = screen.search(/match: /);
    expect(screen.slice(0, verdictAt).match(FRAME)?.length).toBeGreaterThan(0);
    expect(screen.slice(verdictAt)).not.toMatch(/\u001b\[[0-9;]*m/);
  });
});
