import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_PATH } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OFFSET_MS = -60_000;

/** Starts the paper exchange as a process, checks its clock, and stops it with SIGTERM (exit 0). */
async function runsAlone(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /paper exchange listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const time = (await (await fetch(`${url}/fapi/v1/time`)).json()) as { serverTime: number };
    expect(Math.abs(time.serverTime - (Date.now() + OFFSET_MS))).toBeLessThan(5_000);
    expect(await (await fetch(`${url}/_paper/clock`)).json()).toMatchObject({ offsetMs: OFFSET_MS });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('the paper exchange alone', () => {
  it('scripts/paper.ts starts on a free port with its clock offset, prints its URL, serves, and stops on SIGTERM', async () => {
    await runsAlone(['--import', 'tsx', 'scripts/paper.ts', '--port', '0', '--scenario', SEED_PATH, `--clock-offset-ms=${OFFSET_MS}`]);
  });

  it('permitctl paper does the same', async () => {
    await runsAlone(['bin/permitctl.js', 'paper', '--port', '0', '--scenario', SEED_PATH, `--clock-offset-ms=${OFFSET_MS}`]);
  }, 20_000);
});
