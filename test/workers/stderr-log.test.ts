// The text log of `up`, `demo` and the embedded stack (SDK lines on stderr): an activity failure's line
// names the activity and workflow but never its task token, which would complete the activity.
import { describe, expect, it } from 'vitest';
import { stderrLine } from '../../src/workers/runtime.js';

describe('stderr log line', () => {
  it('keeps the context of an activity failure and drops its task token', () => {
    const line = stderrLine({
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_796_000_000_000_000_000n,
      meta: { activityType: 'placeOrder', workflowId: 'plan-x', taskToken: 'CiQwMWEyMzdkMC1lNWMy', attempt: 1, sdkComponent: 'worker' },
    });
    expect(line).toMatch(/^2026-\d\d-\d\dT.*Z \[WARN\] Activity failed \{.*"activityType":"placeOrder".*"workflowId":"plan-x"/);
    expect(line).not.toMatch(/taskToken|CiQwMWEyMzdkMC1lNWMy/);
    expect(line.endsWith('\n')).toBe(true);
  });
});
