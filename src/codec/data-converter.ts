// The data converter every client and worker of permit-chain uses: Temporal's default payload converter,
// then the payload codec (src/config/codec.ts decides the keys and whether to seal).
import type { DataConverter } from '@temporalio/common';
import { payloadCodecConfigFromEnv } from '../config/codec.js';
import type { Env } from '../config/settings.js';
import { AesGcmPayloadCodec } from './payload-codec.js';

export function payloadCodecFromEnv(env?: Env, process_: 'worker' | 'client' = 'client'): AesGcmPayloadCodec {
  const cfg = payloadCodecConfigFromEnv(env, process_);
  // Without sealing, keys still open what other processes sealed.
  return new AesGcmPayloadCodec(cfg.seal ? cfg.keys : [], cfg.seal ? [] : cfg.keys);
}

export function dataConverterFromEnv(env?: Env, process_: 'worker' | 'client' = 'client'): DataConverter {
  return { payloadCodecs: [payloadCodecFromEnv(env, process_)] };
}
