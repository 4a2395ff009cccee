// Payload encryption: which keys a process holds and whether it must seal; the codec server of the Web UI.
import { ConfigError, readSettingsOf, type Env, type PayloadKeySetting } from './settings.js';

export interface PayloadCodecConfig {
  /** The first seals new payloads; all open the payloads that name them. Empty: no key. */
  keys: PayloadKeySetting[];
  /** Seal new payloads (with keys[0]). */
  seal: boolean;
}

/**
 * The payload codec of a process. `process`: a worker connected to a cluster (TEMPORAL_ADDRESS) must seal
 * unless PAYLOAD_CODEC=off says otherwise, so it refuses to start without keys; every other process (the
 * CLI, the bridge, the embedded stack of `up` and `demo`) seals when it has keys, and without them reads
 * payloads in clear only.
 */
export function payloadCodecConfigFromEnv(env: Env = process.env, process_: 'worker' | 'client' = 'client'): PayloadCodecConfig {
  const s = readSettingsOf(env, ['PAYLOAD_CODEC', 'PAYLOAD_CODEC_KEYS', 'TEMPORAL_ADDRESS']);
  const keys = s.PAYLOAD_CODEC_KEYS ?? [];
  const required = s.PAYLOAD_CODEC === 'on' || (s.PAYLOAD_CODEC === undefined && process_ === 'worker' && s.TEMPORAL_ADDRESS !== undefined);
  if (required && keys.length === 0) {
    const why = s.PAYLOAD_CODEC === 'on' ? 'PAYLOAD_CODEC is on' : `a worker of a cluster (TEMPORAL_ADDRESS ${s.TEMPORAL_ADDRESS}) encrypts its payloads`;
    throw new ConfigError(`${why}, but PAYLOAD_CODEC_KEYS (or PAYLOAD_CODEC_KEYS_FILE) is not set: give it keys, or PAYLOAD_CODEC=off to send plan data in clear`);
  }
  return { keys, seal: s.PAYLOAD_CODEC !== 'off' && keys.length > 0 };
}

export interface CodecServerConfig {
  host: string;
  port: number;
  /** Bearer token every request must carry (null: none, for a codec server on loopback only). */
  token: string | null;
  /** Web UI origins allowed by CORS. */
  origins: string[];
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The codec server's settings; one reachable beyond loopback without a token is refused. */
export function codecServerConfigFromEnv(env: Env = process.env): CodecServerConfig {
  const s = readSettingsOf(env, ['CODEC_SERVER_HOST', 'CODEC_SERVER_PORT', 'CODEC_SERVER_TOKEN', 'CODEC_SERVER_ORIGINS']);
  if (!LOOPBACK.has(s.CODEC_SERVER_HOST) && s.CODEC_SERVER_TOKEN === undefined) {
    throw new ConfigError(`a codec server on ${s.CODEC_SERVER_HOST} opens plan data to whoever reaches it: set CODEC_SERVER_TOKEN (or CODEC_SERVER_TOKEN_FILE)`);
  }
  return { host: s.CODEC_SERVER_HOST, port: s.CODEC_SERVER_PORT, token: s.CODEC_SERVER_TOKEN ?? null, origins: s.CODEC_SERVER_ORIGINS };
}
