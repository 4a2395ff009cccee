// One rule for secrets (NAME or NAME_FILE, never both; an unreadable file stops the start) for every
// secret the processes read, and no setting that silently falls back on a bad value.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretFromEnv } from '../../src/config/secrets.js';
import { venueConfigFromEnv } from '../../src/config/exchange.js';
import { permitMirrorFromEnv } from '../../src/store/redis-permit-mirror.js';
import { temporalConfigFromEnv } from '../../src/config/temporal.js';

const dir = mkdtempSync(join(tmpdir(), 'permit-secrets-'));
const keyFile = join(dir, 'key');
writeFileSync(keyFile, 'from-file\n');

describe('secrets from the environment', () => {
  it('come from NAME or from the file NAME_FILE names, trimmed', () => {
    expect(secretFromEnv({ X: 'direct' }, 'X')).toBe('direct');
    expect(secretFromEnv({ X_FILE: keyFile }, 'X')).toBe('from-file');
    expect(secretFromEnv({ X: '' }, 'X')).toBeUndefined();
  });

  it('refuse both at once, for the Temporal API key exactly as for the exchange credentials', () => {
    expect(() => temporalConfigFromEnv({ TEMPORAL_API_KEY: 'k', TEMPORAL_API_KEY_FILE: keyFile })).toThrow('set only one of TEMPORAL_API_KEY and TEMPORAL_API_KEY_FILE');
    expect(() => venueConfigFromEnv({ EXCHANGE_VENUE: 'binance-demo', EXCHANGE_API_KEY: 'k', EXCHANGE_API_KEY_FILE: keyFile, EXCHANGE_API_SECRET: 's' })).toThrow(
      'set only one of EXCHANGE_API_KEY and EXCHANGE_API_KEY_FILE',
    );
  });

  it('name the variable when its file cannot be read', () => {
    expect(() => temporalConfigFromEnv({ TEMPORAL_API_KEY_FILE: join(dir, 'missing') })).toThrow(`cannot read TEMPORAL_API_KEY_FILE ${join(dir, 'missing')}: ENOENT`);
  });

  it('give the Temporal client the key from the file (and TLS with it)', () => {
    const cfg = temporalConfigFromEnv({ TEMPORAL_API_KEY_FILE: keyFile, TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233' });
    expect(cfg.apiKey).toBe('from-file');
    expect(cfg.tls).toBe(true);
  });
});

describe('PERMIT_MIRROR_TIMEOUT_MS', () => {
  it('stops the start on a value that is not a whole number of ms above 0', () => {
    for (const bad of ['abc', '0', '-5', '1.5']) {
      expect(() => permitMirrorFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', PERMIT_MIRROR_TIMEOUT_MS: bad }), bad).toThrow(
        `PERMIT_MIRROR_TIMEOUT_MS must be a whole number above 0, got "${bad}"`,
      );
    }
  });

  it('is used when valid', async () => {
    const mirror = permitMirrorFromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', PERMIT_MIRROR_TIMEOUT_MS: '750' });
    expect(mirror).not.toBeNull();
    await mirror!.close();
  });
});
