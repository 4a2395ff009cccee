// The embedded stack's codec server: with payload keys, the Web UI of the dev server shows plan data in
// clear through it (loopback only, the UI's origin allowed). Without keys payloads are in clear anyway.
import { startCodecServer, type CodecServer } from '../codec/codec-server.js';
import { payloadCodecFromEnv } from '../codec/data-converter.js';
import { codecServerConfigFromEnv } from '../config/codec.js';
import type { Env } from '../config/settings.js';
import { preferredOrFreePort } from '../workers/ports.js';

export async function startUiCodecServer(env: Env | undefined, uiPort: number): Promise<CodecServer> {
  const cfg = codecServerConfigFromEnv(env);
  const origins = [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`, ...cfg.origins];
  return startCodecServer({ codec: payloadCodecFromEnv(env), host: '127.0.0.1', port: await preferredOrFreePort(cfg.port), token: cfg.token, origins });
}
