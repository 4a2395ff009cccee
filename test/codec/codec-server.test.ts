// The Web UI's codec server: Temporal's /encode and /decode protocol over HTTP, CORS for the UI's origin
// only, and a bearer token when one is configured; a request without it is refused and learns nothing.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server.js';
import { AesGcmPayloadCodec } from '../../src/codec/payload-codec.js';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-test-token';
const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);

function wire(value: unknown) {
  const p = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

describe('codec server', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, host: '127.0.0.1', port: 0, token: TOKEN, origins: [UI] });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, Origin: UI, ...headers }, body: JSON.stringify(body) });

  it('encodes and decodes payloads as the Web UI sends them', async () => {
    const plan = { plan_id: 'p-1', why: 'the exchange is right' };
    const encoded = (await (await post('/encode', { payloads: [wire(plan)] })).json()) as { payloads: ReturnType<typeof wire>[] };
    expect(Buffer.from(encoded.payloads[0]!.metadata['encoding']!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded.payloads[0]!.data, 'base64').toString('latin1')).not.toContain('exchange is right');
    const decoded = await post('/decode', encoded);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI);
    const [back] = ((await decoded.json()) as { payloads: ReturnType<typeof wire>[] }).payloads;
    expect(JSON.parse(Buffer.from(back!.data, 'base64').toString())).toEqual(plan);
  });

  it('refuses a request without the token, and tells other origins nothing', async () => {
    const sealed = (await (await post('/encode', { payloads: [wire({ secret: 'plan data' })] })).json()) as unknown;
    const noToken = await fetch(`${server.url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: UI }, body: JSON.stringify(sealed) });
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).not.toContain('plan data');
    expect((await post('/decode', sealed, { Authorization: 'Bearer wrong-token!' })).status).toBe(401);

    const preflight = (origin: string) => fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,authorization' } });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('says which key a payload needs when it cannot open it', async () => {
    const foreign = (await new AesGcmPayloadCodec([{ id: 'other', key: randomBytes(32) }]).encode([defaultPayloadConverter.toPayload({ x: 1 })]))[0]!;
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(foreign.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(foreign.data!).toString('base64') }] };
    const answer = await post('/decode', body);
    expect(answer.status).toBe(422);
    expect(await answer.json()).toEqual({ error: 'a payload is encrypted with key other, and the keys configured are k1' });
  });
});
