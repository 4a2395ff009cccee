// One schema for every setting: no bad value is ever replaced by a default, and a process given one stops
// at start with one line naming the variable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { venueConfigFromEnv } from '../../src/config/exchange.js';
import { logLevelFromEnv } from '../../src/config/process.js';
import { ConfigError, readSettings, SETTINGS } from '../../src/config/settings.js';
import { temporalConfigFromEnv } from '../../src/config/temporal.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const defaults = readSettings({});
const numeric = Object.keys(SETTINGS.shape).filter((name) => typeof defaults[name as keyof typeof defaults] === 'number');

describe('the settings schema', () => {
  it('has defaults for a bare environment', () => {
    expect(defaults).toMatchObject({ TEMPORAL_NAMESPACE: 'default', PERMIT_TTL_SECONDS: 15, HEALTH_PORT: 8080, PERMIT_MIRROR_TIMEOUT_MS: 500, DRIFT_ACTION: 'record' });
    expect(numeric.length).toBeGreaterThan(25);
  });

  it('refuses a malformed value of every numeric setting, naming it, instead of falling back', () => {
    for (const name of numeric) {
      expect(() => readSettings({ [name]: 'abc' }), name).toThrow(ConfigError);
      expect(() => readSettings({ [name]: 'abc' }), name).toThrow(new RegExp(`^${name} must be .*, got "abc"$`));
    }
    for (const optional of ['MAX_ORDER_NOTIONAL', 'MAX_PLAN_AGE_SECONDS', 'EXCHANGE_TIMEOUT_MS', 'PLAN_BRIDGE_METRICS_PORT']) {
      expect(() => readSettings({ [optional]: 'abc' }), optional).toThrow(new RegExp(`^${optional} must be`));
    }
  });

  it('refuses unknown words in enumerations and names every bad variable in one line', () => {
    expect(() => readSettings({ EXCHANGE_VENUE: 'kraken' })).toThrow('EXCHANGE_VENUE must be one of paper, binance-demo, binance-live, got "kraken"');
    expect(() => readSettings({ TEMPORAL_TLS: 'yes' })).toThrow('TEMPORAL_TLS must be true or false, got "yes"');
    expect(() => readSettings({ POSITION_TOLERANCES: 'BTCUSDT' })).toThrow(/^POSITION_TOLERANCES entries look like SYMBOL=0.001/);
    let message = '';
    try {
      readSettings({ LOG_LEVEL: 'loud', HEALTH_PORT: '70000' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toContain('LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"');
    expect(message).toContain('HEALTH_PORT must be a port number (0 = any free port), got "70000"');
  });

  it('takes words in any case, blank as unset, and every level pino and the Temporal SDK know', () => {
    expect(readSettings({ TEMPORAL_TLS: 'TRUE', LOG_LEVEL: 'Silent', TEMPORAL_LOG_LEVEL: 'error', PERMIT_MIRROR: 'OFF' })).toMatchObject({ TEMPORAL_TLS: true, LOG_LEVEL: 'silent', TEMPORAL_LOG_LEVEL: 'ERROR', PERMIT_MIRROR: 'off' });
    expect(readSettings({ EXCHANGE_CLOCK_SKEW_BOUND_MS: ' ' }).EXCHANGE_CLOCK_SKEW_BOUND_MS).toBe(defaults.EXCHANGE_CLOCK_SKEW_BOUND_MS);
    // The SDK has no level OFF; a fraction or 0 is no timeout to wait for.
    expect(() => readSettings({ TEMPORAL_LOG_LEVEL: 'OFF' })).toThrow('TEMPORAL_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, got "OFF"');
    expect(() => readSettings({ PERMIT_MIRROR_TIMEOUT_MS: '0' })).toThrow(/^PERMIT_MIRROR_TIMEOUT_MS must be a whole number above 0/);
    expect(() => readSettings({ PERMIT_MIRROR_TIMEOUT_MS: '250.5' })).toThrow(/^PERMIT_MIRROR_TIMEOUT_MS must be a whole number above 0/);
  });

  it('are each documented in README (every variable the schema reads is named there)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(Object.keys(SETTINGS.shape).filter((name) => name !== 'PATH' && !readme.includes(name))).toEqual([]);
  });

  it("refuse a process only for the settings it reads: a CLI need not carry the worker's exchange secrets", () => {
    const cliEnv = { LOG_LEVEL: 'warning', EXCHANGE_API_KEY_FILE: '/nonexistent/exchange-key', TEMPORAL_ADDRESS: '127.0.0.1:7233' };
    expect(temporalConfigFromEnv(cliEnv).address).toBe('127.0.0.1:7233');
    expect(() => venueConfigFromEnv(cliEnv)).toThrow('cannot read EXCHANGE_API_KEY_FILE /nonexistent/exchange-key: ENOENT');
    expect(() => logLevelFromEnv(cliEnv)).toThrow('LOG_LEVEL must be one of');
  });

  it('read the Temporal CA file only when TLS is on, naming the variable when it cannot be read', () => {
    expect(temporalConfigFromEnv({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }).tls).toBe(false);
    expect(() => temporalConfigFromEnv({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA: '/nonexistent/ca.pem' })).toThrow(
      new ConfigError('cannot read TEMPORAL_TLS_CA /nonexistent/ca.pem: ENOENT'),
    );
  });

  it('lets permitctl answer a non-EXECUTE plan without Temporal', { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'permit-submit-'));
    const planFile = join(dir, 'hold.json');
    const plan = { plan_id: 'hold0001', symbol: 'BTCUSDT', action: 'PARTIAL_50', kill_score: 0.5, decision: 'HOLD', timestamp: Math.floor(Date.now() / 1000) };
    writeFileSync(planFile, JSON.stringify(plan));
    const run = spawnSync(process.execPath, ['bin/permitctl.js', 'submit', '--json', planFile], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: '127.0.0.1:1', PERMIT_CHAIN_DATA_DIR: dir },
      encoding: 'utf8',
      timeout: 25_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ plan_id: 'hold0001', started: false, reason: 'decision is HOLD; only EXECUTE plans start a workflow' });
  });

  it('stops a worker process at start with one line and exit code 2', { timeout: 30_000 }, () => {
    const run = spawnSync(process.execPath, ['bin/permitctl.js', 'worker'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, WORKER_MAX_CACHED_WORKFLOWS: 'abc' },
      encoding: 'utf8',
      timeout: 25_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('permitctl: WORKER_MAX_CACHED_WORKFLOWS must be a whole number above 0, got "abc"');
  });
});
