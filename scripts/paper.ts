/**
 * Starts the paper exchange alone:
 *   npx tsx scripts/paper.ts --port 0 --scenario scenarios/seed.json [--host 127.0.0.1] [--clock-offset-ms=-5000]
 * Port 0 picks a free port; the chosen URL is printed. --clock-offset-ms overrides the scenario's
 * clockOffsetMs (exchange time − host time). Runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadScenarioFile, startPaperExchange } from '../src/exchange/paper/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string', default: 'scenarios/seed.json' },
      'clock-offset-ms': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0..65535 (got ${values.port})`);
  const scenario = await loadScenarioFile(values.scenario);
  const offsetText = values['clock-offset-ms'];
  const clockOffsetMs = offsetText === undefined ? scenario.clockOffsetMs : Number(offsetText);
  if (offsetText !== undefined && (offsetText.trim() === '' || !Number.isSafeInteger(clockOffsetMs))) {
    throw new Error(`--clock-offset-ms must be a whole number of milliseconds (got ${offsetText})`);
  }
  const paper = await startPaperExchange({ port, host: values.host, scenario: { ...scenario, clockOffsetMs } });
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
