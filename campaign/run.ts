/**
 * The fault campaign (issue 12):
 *   npm run campaign [-- --quick] [--json] [--seed N] [--plans N] [--symbols N] [--workers N] [--kills N] [--plan-timeout-s S] [--permit-ttl-s S] [--keep]
 * and the concurrency campaign (issue 13: plans of one symbol at once, reconciles, drift):
 *   npm run campaign -- --concurrency [--quick] [--json] [--seed N] [--plans N] [--symbols N] [--workers N] [--burst N] [--kills N] [--sweep-s S] [--keep]
 * Runs many plans through the real stack under a seeded mix of exchange faults, exchange clock moves and
 * worker SIGKILLs, then prints the safety figures (a table, or with --json only JSON on stdout; progress
 * goes to stderr). Exit code 0 when every safety figure holds, 1 when one does not, 2 when the campaign
 * could not run. See docs/campaign.md.
 */
import { runCampaign } from './campaign.js';
import { parseCampaignArgs, USAGE } from './options.js';
import { formatConcurrencyReport, formatReport } from './report.js';
import { runConcurrencyCampaign } from './concurrency.js';
import { CONCURRENCY_USAGE, parseConcurrencyArgs } from './concurrency-options.js';

async function main(): Promise<number> {
  if (process.argv.includes('--concurrency')) return concurrencyMain();
  let opts;
  try {
    opts = parseCampaignArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  const report = await runCampaign(opts, (line) => process.stderr.write(`[campaign] ${line}\n`));
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  return report.passed ? 0 : 1;
}

async function concurrencyMain(): Promise<number> {
  let opts;
  try {
    opts = parseConcurrencyArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${CONCURRENCY_USAGE}\n`);
    return 2;
  }
  const report = await runConcurrencyCampaign(opts, (line) => process.stderr.write(`[concurrency] ${line}\n`));
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatConcurrencyReport(report)}\n`);
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`campaign failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(2);
  },
);
