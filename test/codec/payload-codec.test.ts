// Payload encryption: sealed with the current key, opened with the key each payload names (rotation),
// refused when altered, relabelled or when its key is missing, and keys never echoed in a config error.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, isEncrypted, openHistory, PayloadCodecError } from '../../src/codec/payload-codec.js';
import { codecServerConfigFromEnv, payloadCodecConfigFromEnv } from '../../src/config/codec.js';
import { ConfigError } from '../../src/config/settings.js';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const plan = { plan_id: 'p-1', symbol: 'BTCUSDT', kill_score: 0.539, why: 'the exchange is right' };
const payload = () => defaultPayloadConverter.toPayload(plan);

describe('AES-256-GCM payload codec', () => {
  it('seals with the current key, names it, and opens to the same payload', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [sealed] = await codec.encode([payload()]);
    expect(isEncrypted(sealed!)).toBe(true);
    expect(Buffer.from(sealed!.metadata!['encoding']!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(Buffer.from(sealed!.data!).toString('latin1')).not.toMatch(/BTCUSDT|kill_score|exchange is right/);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(plan);
    // Two seals of one payload differ (a fresh IV each time).
    expect(Buffer.from((await codec.encode([payload()]))[0]!.data!)).not.toEqual(Buffer.from(sealed!.data!));
  });

  it('rotates: a new current key seals, the old one still opens what it sealed', async () => {
    const [old] = await new AesGcmPayloadCodec([k1]).encode([payload()]);
    const rotated = new AesGcmPayloadCodec([k2, k1]);
    const [fresh] = await rotated.encode([payload()]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    const opened = await rotated.decode([old!, fresh!]);
    expect(opened.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([plan, plan]);
    // A process that only opens (PAYLOAD_CODEC=off) still reads sealed payloads and seals nothing.
    const openOnly = new AesGcmPayloadCodec([], [k2, k1]);
    expect(isEncrypted((await openOnly.encode([payload()]))[0]!)).toBe(false);
    expect(defaultPayloadConverter.fromPayload((await openOnly.decode([fresh!]))[0]!)).toEqual(plan);
  });

  it('refuses an altered payload, a relabelled key id, and a payload whose key it lacks, naming the key', async () => {
    const codec = new AesGcmPayloadCodec([k1, { id: 'k1b', key: k1.key }]);
    const [sealed] = await codec.encode([payload()]);
    const altered = { ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    expect(() => codec.open(altered)).toThrow(PayloadCodecError);
    // The same key under another id: the id is authenticated with the data.
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, 'encryption-key-id': Buffer.from('k1b') } };
    expect(() => codec.open(relabelled)).toThrow(/does not open: it was altered/);
    expect(() => new AesGcmPayloadCodec([k2]).open(sealed!)).toThrow('a payload is encrypted with key k1, and the keys configured are k2');
    expect(() => new AesGcmPayloadCodec([]).open(sealed!)).toThrow('a payload is encrypted with key k1, and no key is configured (PAYLOAD_CODEC_KEYS)');
  });

  it('opens every sealed payload of a fetched history in place', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [input] = await codec.encode([payload()]);
    const history = { events: [{ eventId: { low: 1, high: 0 }, workflowExecutionStartedEventAttributes: { input: { payloads: [input] } } }] };
    const opened = openHistory(history, codec);
    expect(defaultPayloadConverter.fromPayload(opened.events[0]!.workflowExecutionStartedEventAttributes.input.payloads[0]!)).toEqual(plan);
  });
});

describe('payload codec settings', () => {
  const key = (id: string) => `${id}=${randomBytes(32).toString('base64')}`;

  it('a worker of a cluster refuses to start without keys, unless told to send in clear', () => {
    expect(() => payloadCodecConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }, 'worker')).toThrow(ConfigError);
    expect(() => payloadCodecConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }, 'worker')).toThrow(/PAYLOAD_CODEC_KEYS .* is not set: give it keys, or PAYLOAD_CODEC=off/);
    expect(payloadCodecConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233', PAYLOAD_CODEC: 'off' }, 'worker')).toMatchObject({ seal: false });
    // The embedded stack and the CLI seal only with keys.
    expect(payloadCodecConfigFromEnv({}, 'worker')).toMatchObject({ seal: false, keys: [] });
    expect(payloadCodecConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }, 'client')).toMatchObject({ seal: false });
    expect(() => payloadCodecConfigFromEnv({ PAYLOAD_CODEC: 'on' }, 'client')).toThrow(/PAYLOAD_CODEC is on, but PAYLOAD_CODEC_KEYS/);
    const two = payloadCodecConfigFromEnv({ PAYLOAD_CODEC_KEYS: `${key('k2')},${key('k1')}` }, 'worker');
    expect(two.keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(two.seal).toBe(true);
  });

  it('a malformed key is refused without the key in the message', () => {
    const short = `k1=${Buffer.alloc(16, 1).toString('base64')}`;
    let message = '';
    try {
      payloadCodecConfigFromEnv({ PAYLOAD_CODEC_KEYS: short });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('PAYLOAD_CODEC_KEYS key k1 must be 32 bytes in base64 (it is 16)');
    expect(message).not.toContain(short.slice(3));
    expect(() => payloadCodecConfigFromEnv({ PAYLOAD_CODEC_KEYS: `${key('k1')},${key('k1')}` })).toThrow('PAYLOAD_CODEC_KEYS has a key id twice');
    expect(() => payloadCodecConfigFromEnv({ PAYLOAD_CODEC_KEYS: 'bare-base64-without-id' })).toThrow(/needs an id/);
  });

  it('a codec server reachable beyond loopback needs a token; its token is a secret', () => {
    expect(() => codecServerConfigFromEnv({ CODEC_SERVER_HOST: '0.0.0.0' })).toThrow(/a codec server on 0\.0\.0\.0 opens plan data to whoever reaches it: set CODEC_SERVER_TOKEN/);
    expect(codecServerConfigFromEnv({ CODEC_SERVER_HOST: '0.0.0.0', CODEC_SERVER_TOKEN: 't0k3n', CODEC_SERVER_ORIGINS: 'https://ui.example, http://localhost:8233' })).toEqual({
      host: '0.0.0.0',
      port: 8234,
      token: 't0k3n',
      origins: ['https://ui.example', 'http://localhost:8233'],
    });
    expect(codecServerConfigFromEnv({})).toMatchObject({ host: '127.0.0.1', token: null, origins: [] });
  });
});
