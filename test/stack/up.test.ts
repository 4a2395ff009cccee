// A first run that works: a fresh `permitctl up` starts in balance, the command its banner suggests ends
// EXECUTED, and after a restart the ledger and the paper exchange (its state kept in the data folder) still
// agree, so the banner's command executes again. The paper exchange listens on the port it was given.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { stopChild } from '../../temporal/dev-server.js';
import { freePort } from '../../src/workers/ports.js';
import { PERMITCTL, runCli } from '../support/processes.js';
import { cleanEnv, tempDir } from '../support/stack.js';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

interface Up {
  child: ChildProcess;
  banner: string;
  /** Everything it printed so far. */
  output(): string;
}

/** `permitctl up` as a process, resolved with its banner (up to the `try:` line, or its end). */
function startUp(env: NodeJS.ProcessEnv, args: string[]): Promise<Up> {
  const child = spawn(process.execPath, [PERMITCTL, 'up', '--ui-port', '0', '--temporal-port', '0', ...args], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`permitctl up printed no banner within 90 s: ${output}`)), 90_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/\n {2}try: .*\n/.test(output)) {
        clearTimeout(timer);
        resolve({ child, banner: output, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`permitctl up exited (${code}) before its banner: ${output}`));
    });
  });
}

/** Runs the banner's suggested command as an operator would, in a shell from the project folder. */
function runShell(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function bannerLine(banner: string, label: string): string {
  const line = banner.split('\n').find((l) => l.startsWith(`  ${label}:`));
  if (line === undefined) throw new Error(`no "${label}:" line in the banner:\n${banner}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

async function paperPosition(paperUrl: string, symbol: string): Promise<string> {
  const state = (await (await fetch(`${paperUrl}/_paper/state`)).json()) as { positions: Array<{ symbol: string; amount: string }> };
  return state.positions.find((p) => p.symbol === symbol)!.amount;
}

describe('permitctl up: a first run that works', { timeout: 300_000 }, () => {
  const dataDir = tempDir('up');
  const env = cleanEnv({ PERMIT_CHAIN_DATA_DIR: dataDir, PERMITCTL_OPERATOR: 'up-test' });
  const running: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of running) await stopChild(child, 20_000);
  });

  it('starts in balance, executes its banner command, and is still in balance after a restart', async () => {
    const paperPort = await freePort();
    const first = await startUp(env, ['--paper-port', String(paperPort)]);
    running.push(first.child);
    expect(bannerLine(first.banner, 'paper exchange')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${paperPort} `));
    expect(bannerLine(first.banner, 'ledger')).toBe("opened at the paper exchange's positions (BTCUSDT 0.062), recorded as adjustments by permitctl up");
    const command = bannerLine(first.banner, 'try');
    expect(command).toBe('node bin/permitctl.js new-plan BTCUSDT PARTIAL_25 | node bin/permitctl.js submit - --wait');

    const executed = await runShell(command, env);
    expect(executed.code, executed.stderr).toBe(0);
    expect(executed.stdout).toMatch(/· EXECUTED · stage done/);
    const paperUrl = `http://127.0.0.1:${paperPort}`;
    const afterFirst = await paperPosition(paperUrl, 'BTCUSDT');
    expect(afterFirst).toBe('0.047');
    const ledger = JSON.parse((await runCli(['ledger', 'BTCUSDT', '--json'], env)).stdout) as { position: string; entries: Array<{ who: string }> };
    expect(ledger.position).toBe(afterFirst);
    expect(ledger.entries.at(-1)).toMatchObject({ who: 'permitctl up' });

    await stopChild(first.child, 20_000);
    const second = await startUp(env, ['--paper-port', String(paperPort)]);
    running.push(second.child);
    expect(bannerLine(second.banner, 'ledger')).toBe('in balance with the paper exchange (BTCUSDT 0.047)');
    expect(await paperPosition(paperUrl, 'BTCUSDT')).toBe('0.047');
    const again = await runShell(bannerLine(second.banner, 'try'), env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/· EXECUTED · stage done/);
    expect(await paperPosition(paperUrl, 'BTCUSDT')).toBe('0.036');
    await stopChild(second.child, 20_000);
    // Its log (the SDK's lines included) carries no task token and no exchange secret.
    for (const up of [first, second]) expect(up.output()).not.toMatch(/taskToken|paper-secret/);
  });

  it('names a difference between the ledger and the paper exchange, with the command that settles it', async () => {
    const paperPort = await freePort();
    // Somebody changes the position on the exchange, behind the ledger's back.
    const up = await startUp(env, ['--paper-port', String(paperPort)]);
    running.push(up.child);
    await fetch(`http://127.0.0.1:${paperPort}/_paper/position`, { method: 'POST', body: JSON.stringify({ symbol: 'BTCUSDT', amount: '0.05' }) });
    await stopChild(up.child, 20_000);
    const restarted = await startUp(env, ['--paper-port', String(paperPort)]);
    running.push(restarted.child);
    expect(bannerLine(restarted.banner, 'ledger')).toBe('BTCUSDT: ledger 0.036 vs paper exchange 0.05; plans of it are denied until: node bin/permitctl.js reconcile BTCUSDT --reason "<why the exchange is right>"');
    await stopChild(restarted.child, 20_000);
  });

  it('refuses a taken paper exchange port in one line instead of moving elsewhere', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const r = await runCli(['up', '--ui-port', '0', '--temporal-port', '0', '--paper-port', String(port)], cleanEnv({ PERMIT_CHAIN_DATA_DIR: tempDir('up-taken') }), undefined, 90_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('permitctl:'))).toEqual([`permitctl: the paper exchange's port ${port} is taken: choose another with --paper-port N (0: any free port)`]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
