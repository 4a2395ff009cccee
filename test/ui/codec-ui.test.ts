// With payload keys the embedded stack seals every payload and starts a codec server the Web UI decodes
// through (`--ui-codec-endpoint`): Temporal holds the plan sealed, the UI shows it in clear. Drives
// Debian's chromium.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEncrypted } from '../../src/codec/payload-codec.js';
import { newPlan } from '../support/plans.js';
import { startChainStack, TEST_PAYLOAD_CODEC_KEYS, type ChainStack } from '../support/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const executed = newPlan('UICODECUSDT', 'PARTIAL_75', 'ui-codec');

let chain: ChainStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  chain = await startChainStack({ ui: true, markets: [{ symbol: 'UICODECUSDT', position: '0.062' }], env: { PAYLOAD_CODEC_KEYS: TEST_PAYLOAD_CODEC_KEYS } });
  await chain.setLedger('UICODECUSDT', '0.062');
  await chain.submit(executed);
  expect((await chain.result(executed.plan_id)).state).toBe('EXECUTED');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await chain?.stop();
});

describe('the Web UI through the codec server', () => {
  it('Temporal holds the plan sealed; the UI shows its permit chain in clear', async () => {
    expect(chain.stack.codecServerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const history = await chain.stack.client.workflow.getHandle(`plan-${executed.plan_id}`).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(input && isEncrypted(input)).toBe(true);

    const page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
    const codecCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(chain.stack.codecServerUrl!)) codecCalls.push(r.url());
    });
    await page.goto(`${chain.stack.uiUrl}/namespaces/${chain.stack.namespace}/workflows/plan-${executed.plan_id}`);
    // The order step's summary and the plan's input are payloads: readable only once decoded.
    await expect.poll(() => page.getByText(/Order: reduce-only MARKET SELL 0\.046 UICODECUSDT/).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByText(executed.plan_id, { exact: false }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(codecCalls.some((url) => new URL(url).pathname === '/decode')).toBe(true);
    await page.close();
  });
});
