// permitctl without a stack: usage errors are one line with a hint, ids are checked before anything is
// contacted (exit 2), and an unreachable Temporal is named with its cause and "nothing was started".
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/workers/ports.js';
import { runCli } from '../support/processes.js';
import { cleanEnv, tempDir } from '../support/stack.js';

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe('permitctl usage and input errors', { timeout: 60_000 }, () => {
  const noStack = cleanEnv({ PERMIT_CHAIN_DATA_DIR: tempDir('usage') });

  it('a usage error is one line naming the problem and the help to read, exit 2', async () => {
    const [missing, unknownCommand, unknownOption, both] = await Promise.all([
      runCli(['submit'], noStack),
      runCli(['frobnicate'], noStack),
      runCli(['status', 'p1', '--frob'], noStack),
      runCli(['pause', 'p1', '--all', '--reason', 'x'], noStack),
    ]);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toBe("permitctl: missing required argument 'file' (see permitctl submit --help)");
    expect(unknownCommand.code).toBe(2);
    expect(oneLine(unknownCommand.stderr)).toBe("permitctl: unknown command 'frobnicate' (see permitctl --help)");
    expect(unknownOption.code).toBe(2);
    expect(oneLine(unknownOption.stderr)).toBe("permitctl: unknown option '--frob' (see permitctl status --help)");
    expect(both.code).toBe(2);
    expect(oneLine(both.stderr)).toBe('permitctl: pause takes one of PLAN_ID, --symbol S or --all');
    for (const r of [missing, unknownCommand, unknownOption, both]) expect(r.stdout).toBe('');
  });

  it('a malformed plan id is invalid (2) before Temporal is asked, for every command that takes one', async () => {
    const results = await Promise.all([['status'], ['trace'], ['audit'], ['cancel', '--reason', 'x'], ['pause', '--reason', 'x'], ['resume', '--reason', 'x'], ['halt', '--reason', 'x']].map(([command, ...rest]) => runCli([command!, 'not a plan/id', ...rest], noStack)));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r.stderr)).toMatch(/^permitctl: invalid plan id "not a plan\/id": 1-32 characters/);
    }
  });

  it('an unreachable Temporal is named with its address and cause, and nothing was started', async () => {
    // A free port: nothing listens on it.
    const address = `127.0.0.1:${await freePort()}`;
    const r = await runCli(['submit', 'scenarios/seed-plan.json'], { ...noStack, TEMPORAL_ADDRESS: address });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(new RegExp(`^permitctl: cannot reach Temporal at ${address} \\(namespace default\\): .+; nothing was started or changed$`));
  });
});
