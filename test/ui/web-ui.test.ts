// The permit chain is readable in the real Temporal Web UI: found by search attribute, with the governor,
// position-check and order summaries and a denial's reason on the plan's page (the permit checks and the
// booking are local activities: named on the timeline, summarised in the Event History); in the plans list
// (the link the tools print) an executed and a denied plan are told apart by outcome and reason, and no
// operator helper workflow is in it (docs/web-ui.md). Drives Debian's chromium.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../temporal/cli-path.js';
import { reconcileSymbol, setScopeTrading } from '../../src/client/operator.js';
import { plansListUrl } from '../../src/client/list.js';
import { newPlan } from '../support/plans.js';
import { startChainStack, type ChainStack } from '../support/stack.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.UPDATE_DOCS_SCREENSHOT ? join(PROJECT_ROOT, 'docs') : join(PROJECT_ROOT, 'test-results');

let chain: ChainStack;
let browser: Browser;
let page: Page;
const denied = newPlan('UIDENYUSDT', 'PARTIAL_50', 'ui-deny');
const executed = newPlan('UIEXECUSDT', 'PARTIAL_75', 'ui-exec');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does`);
  chain = await startChainStack({
    ui: true,
    markets: [
      { symbol: 'UIDENYUSDT', position: '0.1' },
      { symbol: 'UIEXECUSDT', position: '0.062' },
      { symbol: 'UIHELPUSDT', position: '1' },
    ],
    env: { RECONCILE_WAIT_SECONDS: '1' },
  });
  await chain.setLedger('UIEXECUSDT', '0.062');
  await chain.setLedger('UIDENYUSDT', '0.002');
  await Promise.all([chain.submit(denied), chain.submit(executed)]);
  expect((await chain.result(denied.plan_id)).state).toBe('DENIED');
  expect((await chain.result(executed.plan_id)).state).toBe('EXECUTED');
  // Operator helper workflows: a durable trading-state change and a direct ledger sync.
  const ops = { client: chain.stack.client, taskQueue: chain.stack.taskQueue, who: 'ui-test' };
  await setScopeTrading(ops, 'UIHELPUSDT', 'paused', 'a helper workflow for the list test');
  await reconcileSymbol(ops, 'UIHELPUSDT', 'a helper workflow for the list test');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1100 } });
});

afterAll(async () => {
  await browser?.close();
  await chain?.stop();
});

const uiBase = () => `${chain.stack.uiUrl}/namespaces/${chain.stack.namespace}`;

/** The columns docs/web-ui.md tells operators to add once (the UI keeps them in the browser). */
const PLAN_COLUMNS = ['Status', 'Workflow ID', 'PermitOutcome', 'PermitDenialReason', 'PermitSymbol', 'PermitAction', 'Start', 'End'];

describe('Temporal Web UI', () => {
  it('tells outcomes apart in the plans list, with the reason, and keeps helper workflows out of it', async () => {
    const listPage = await browser.newPage({ viewport: { width: 1600, height: 800 } });
    const columns = JSON.stringify({ default: PLAN_COLUMNS.map((label) => ({ label })) });
    await listPage.addInitScript({ content: `localStorage.setItem('namespace-workflow-table-columns', ${JSON.stringify(columns)});` });
    try {
      // The helpers are in the namespace's "All" list...
      await listPage.goto(`${uiBase()}/workflows`);
      const helpers = () => listPage.locator('tr', { hasText: /trading-paused-UIHELPUSDT-|reconcile-UIHELPUSDT-/ }).count();
      await expect.poll(helpers, { timeout: 20_000 }).toBe(2);
      // ...and not in the plans list the tools link to, where each plan shows its outcome and reason.
      await listPage.goto(plansListUrl(chain.stack.uiUrl, chain.stack.namespace)!);
      const row = (planId: string) => listPage.locator('tr', { hasText: `plan-${planId}` });
      await expect.poll(() => row(denied.plan_id).count(), { timeout: 20_000 }).toBe(1);
      await expect.poll(async () => (await row(denied.plan_id).innerText()).replace(/\s+/g, ' '), { timeout: 10_000 }).toMatch(/DENIED reconcile_required_qty_mismatch UIDENYUSDT PARTIAL_50/);
      expect((await row(executed.plan_id).innerText()).replace(/\s+/g, ' ')).toMatch(/EXECUTED UIEXECUSDT PARTIAL_75/);
      expect(await listPage.locator('th', { hasText: 'PermitOutcome' }).count()).toBe(1);
      expect(await helpers()).toBe(0);
      expect(await listPage.locator('tr', { hasText: /plan-/ }).count()).toBe(2);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await listPage.screenshot({ path: join(SCREENSHOT_DIR, 'web-ui-plan-list.png') });
    } finally {
      await listPage.close();
    }
  });

  it('finds the denied plan by search attributes, and only it', async () => {
    const query = `PermitSymbol = "UIDENYUSDT" AND PermitOutcome = "DENIED"`;
    await page.goto(`${uiBase()}/workflows?query=${encodeURIComponent(query)}`);
    await expect.poll(() => page.getByText(`plan-${denied.plan_id}`).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByText(`plan-${executed.plan_id}`).count()).toBe(0);
    await page.getByRole('link', { name: `plan-${denied.plan_id}`, exact: true }).first().click();
    await page.waitForURL(/\/workflows\/plan-/, { timeout: 20_000 });
  });

  /** The Event History tab: local activities (the permit checks, the booking) show their summaries there. */
  const openEventHistory = async () => {
    await page.getByText('Event History', { exact: false }).first().click();
    await page.waitForURL(/\/history/, { timeout: 20_000 });
  };

  it('shows the denied plan as a readable permit chain, with the denial reason', async () => {
    await page.goto(`${uiBase()}/workflows/plan-${denied.plan_id}`);
    // The awaiting-reconcile timer carries the P3.3 decision with its context, on the timeline itself.
    await expect.poll(() => page.getByText(/P3\.3: denied reconcile_required_qty_mismatch — exchange 0\.1 vs ledger 0\.002, diff 0\.098 > tolerance 0\.001/).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByText('"reason": "reconcile_required_qty_mismatch"').count()).toBeGreaterThan(0);
    // The permit checks (local activities) are on the timeline by name, and with their summaries in the history.
    expect(await page.getByText('issueGovernorPermit').count()).toBeGreaterThan(0);
    expect(await page.getByText('checkPositionState').count()).toBeGreaterThan(0);
    await openEventHistory();
    await expect.poll(() => page.getByText('Governor (P3.2): permit for PARTIAL_50 UIDENYUSDT (#1)').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByText('Position check (P3.3): exchange vs ledger for UIDENYUSDT (#1)').count()).toBeGreaterThan(0);
  });

  it('shows the executed plan with governor, position check and order summaries', async () => {
    await page.goto(`${uiBase()}/workflows/plan-${executed.plan_id}`);
    await expect.poll(() => page.getByText(/Order: reduce-only MARKET SELL 0\.046 UIEXECUSDT/).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByText('bookFill').count()).toBeGreaterThan(0);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'web-ui-plan.png'), fullPage: true });
    await openEventHistory();
    await expect.poll(() => page.getByText('Governor (P3.2): permit for PARTIAL_75 UIEXECUSDT (#1)').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.getByText('Position check (P3.3): exchange vs ledger for UIEXECUSDT (#1)').count()).toBeGreaterThan(0);
    expect(await page.getByText(/Book fill SELL 0\.046 UIEXECUSDT/).count()).toBeGreaterThan(0);
    expect(await page.getByText(/Order: reduce-only MARKET SELL 0\.046 UIEXECUSDT/).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'web-ui-plan-history.png'), fullPage: true });
  });
});
