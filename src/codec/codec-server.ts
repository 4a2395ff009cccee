// The codec server of the Temporal Web UI (`permitctl codec-server`, and the one `up` starts when it has
// keys): Temporal's remote codec protocol, POST /decode and POST /encode of `{ payloads: [{ metadata, data }] }`
// with every byte string in base64, so that the UI shows sealed payloads in clear to an operator it lets in.
// CORS answers only the configured UI origins; with a token configured, every request must carry it as a
// bearer token (the UI sends its own access token when told to pass it). GET /healthz answers the probes.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import type { AesGcmPayloadCodec } from './payload-codec.js';

export interface CodecServerOptions {
  codec: AesGcmPayloadCodec;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Required as `Authorization: Bearer <token>` (null: none, for a server that listens on loopback only). */
  token: string | null;
  /** Origins allowed to call it from a browser (the Web UI's). */
  origins: readonly string[];
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface WirePayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function toPayload(p: WirePayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toWire(p: Payload): WirePayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

function sameToken(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RequestError(400, 'the body is not JSON');
  }
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function payloadsOf(body: unknown): WirePayload[] {
  const payloads = (body as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new RequestError(400, 'expected {"payloads": [...]}');
  return payloads as WirePayload[];
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(opts.origins);

  const cors = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(req.headers.origin !== undefined && allowed.has(req.headers.origin) ? 204 : 403);
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true });
    if (req.method !== 'POST' || (path !== '/decode' && path !== '/encode')) throw new RequestError(404, 'POST /decode or POST /encode');
    if (opts.token !== null) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !sameToken(given, opts.token)) throw new RequestError(401, 'a bearer token is required');
    }
    const payloads = payloadsOf(await readJson(req)).map(toPayload);
    const out = path === '/decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    send(res, 200, { payloads: out.map(toWire) });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof RequestError ? err.status : 422;
      // A payload it cannot open says which key it needs; never more than the codec's own message.
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
