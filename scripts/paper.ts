/**
 * Starts the paper exchange alone:
 *   npx tsx scripts/paper.ts --port 0 --scenario scenarios/seed.json [--host 127.0.0.1]
 * Port 0 picks a free port; the chosen URL is printed. Runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadScenarioFile, startPaperExchange } from '../src/exchange/paper/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string', default: 'scenarios/seed.json' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535 (got ${values.port})`);
  const scenario = await loadScenarioFile(values.scenario);
  const paper = await startPaperExchange({ port, host: values.host, scenario });
  console.log(`paper exchange listening on ${paper.url}`);
  const stop = () => {
    paper.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
