import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario, ScenarioError } from '../../src/exchange/paper/index.js';
import { SEED_PATH } from './helpers.js';

describe('scenario files', () => {
  let dir: string;
  let seed: Record<string, unknown> & { markets: Array<Record<string, unknown>> };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'permit-chain-scenario-'));
    seed = JSON.parse(await readFile(SEED_PATH, 'utf8')) as typeof seed;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(content: string): Promise<Error> {
    const path = join(dir, 'scenario.json');
    await writeFile(path, content);
    try {
      await loadScenarioFile(path);
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected the scenario to be refused');
  }

  it('loads the seed scenario', async () => {
    const scenario = await loadScenarioFile(SEED_PATH);
    expect(scenario.markets.map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(scenario.positions).toEqual([{ symbol: 'BTCUSDT', amount: '0.062', entryPrice: '58000' }]);
    expect(scenario.accounts).toEqual([{ apiKey: 'paper-key', secret: 'paper-secret' }]);
    expect(scenario.defaultLeverage).toBe(20);
    expect(scenario).toMatchObject({ clockOffsetMs: 0, strictClientOrderIds: false });
  });

  it('names a clock offset that is not whole milliseconds, and a non-boolean strictClientOrderIds', () => {
    const message = parseMessage({ ...seed, clockOffsetMs: 1.5, strictClientOrderIds: 'yes' });
    expect(message).toContain('scenario.clockOffsetMs: expected a whole number of milliseconds');
    expect(message).toContain('scenario.strictClientOrderIds:');
    expect(parseScenario({ ...seed, clockOffsetMs: -2500, strictClientOrderIds: true })).toMatchObject({ clockOffsetMs: -2500, strictClientOrderIds: true });
  });

  it('names the field of a number where a decimal string belongs', async () => {
    seed.markets[0] = { ...seed.markets[0], stepSize: 0.001 };
    const err = await loadError(JSON.stringify(seed));
    expect(err).toBeInstanceOf(ScenarioError);
    expect(err.message).toContain('scenario.markets[0].stepSize: expected a decimal string');
    expect(err.message).toContain(join(dir, 'scenario.json'));
  });

  function parseMessage(json: unknown): string {
    try {
      parseScenario(json);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the scenario to be refused');
  }

  it('names missing fields and unknown keys', () => {
    const message = parseMessage({ ...seed, markets: [{ ...seed.markets[0], markPrice: undefined, extra: true }] });
    expect(message).toContain('scenario.markets[0].markPrice: expected a decimal string');
    expect(message).toContain('scenario.markets[0]: Unrecognized key: "extra"');
  });

  it('names positions on unknown markets', () => {
    const message = parseMessage({ ...seed, positions: [{ symbol: 'XRPUSDT', amount: '1', entryPrice: '1' }] });
    expect(message).toContain('scenario.positions[0].symbol: unknown market XRPUSDT');
  });

  it('refuses a file that is not JSON, or missing', async () => {
    expect((await loadError('{ "markets": [')).message).toMatch(/is not valid JSON/);
    await expect(loadScenarioFile(join(dir, 'absent.json'))).rejects.toThrow(/cannot read scenario file .*ENOENT/);
  });
});
