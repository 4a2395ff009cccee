// The settings issue 13 added, read as a worker reads them: a malformed value refuses to start, naming it.
import { describe, expect, it } from 'vitest';
import { chainPolicyFromEnv, chainSettingsFromEnv, driftSweepSecondsFromEnv } from '../../src/config/chain.js';

describe('drift and turn settings', () => {
  it('default to recording drift, a sweep every 60 s and a turn re-check every 30 s', () => {
    expect(chainSettingsFromEnv('paper', {}).driftAction).toBe('record');
    expect(driftSweepSecondsFromEnv({})).toBe(60);
    expect(chainPolicyFromEnv({}).turnCheckSeconds).toBe(30);
  });

  it('take valid values', () => {
    expect(chainSettingsFromEnv('paper', { DRIFT_ACTION: 'pause' }).driftAction).toBe('pause');
    expect(driftSweepSecondsFromEnv({ DRIFT_SWEEP_SECONDS: '15' })).toBe(15);
    expect(chainPolicyFromEnv({ TURN_CHECK_SECONDS: '5' }).turnCheckSeconds).toBe(5);
  });

  it('refuse malformed ones with the setting named', () => {
    expect(() => chainSettingsFromEnv('paper', { DRIFT_ACTION: 'halt' })).toThrow('DRIFT_ACTION must be one of record, pause, got "halt"');
    expect(() => driftSweepSecondsFromEnv({ DRIFT_SWEEP_SECONDS: '0' })).toThrow('DRIFT_SWEEP_SECONDS must be a whole number above 0, got "0"');
    expect(() => driftSweepSecondsFromEnv({ DRIFT_SWEEP_SECONDS: '1.5' })).toThrow('DRIFT_SWEEP_SECONDS must be a whole number above 0, got "1.5"');
    expect(() => chainPolicyFromEnv({ TURN_CHECK_SECONDS: 'soon' })).toThrow(/TURN_CHECK_SECONDS must be a positive number/);
  });
});
