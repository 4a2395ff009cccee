// The workflow bundle's modules are evaluated again for every workflow run (the SDK gives each run its
// own module cache), so every library it pulls in is paid per plan, in CPU and in memory. It holds the
// workflow code, the pure helpers it uses and the SDK: no schema library, no decimals, no exchange client.
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../src/workers/plan-worker.js';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

describe('workflow bundle', () => {
  it('carries no library beyond the Temporal SDK and its own small dependencies', { timeout: 60_000 }, async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet });
    const modules = new Set([...code.matchAll(/node_modules\/((?:@[^/]+\/)?[^/"]+)\//g)].map((m) => m[1]!));
    for (const heavy of ['zod', 'decimal.js', 'ccxt', 'pg', 'ioredis', '@electric-sql/pglite', 'pino']) expect(modules, heavy).not.toContain(heavy);
    const ours = [...code.matchAll(/"\.\/(src\/[^"]+)"/g)].map((m) => m[1]!);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((f) => !/^src\/(workflows|domain\/(decimal-order|describe|failures|plan-ids|trading-scope))\.?/.test(f))).toEqual([]);
  });
});
