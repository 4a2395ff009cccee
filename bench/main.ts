/**
 * The permit-chain benchmark (issue 8):
 *   npm run bench [-- --quick] [--json] [--plans N] [--rate R] [--step-seconds S] [--footprint-plans N] [--cpu-profile]
 * Brings up the embedded stack (or uses TEMPORAL_ADDRESS), measures latency, throughput, the direct
 * baseline, cost per plan and the worker's footprint, prints a table (or, with --json, only JSON on stdout).
 * Progress goes to stderr. See docs/benchmarks.md.
 */
import { parseBenchArgs } from './options.js';
import { formatReport } from './report.js';
import { runBench } from './run.js';

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  const result = await runBench(opts, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
