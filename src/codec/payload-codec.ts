// Payload encryption: every payload a client or worker hands Temporal (plan inputs, activity results, the
// chain state, operator names and reasons, summaries) is sealed with AES-256-GCM under the current key, its
// key id in the payload's metadata, so keys can rotate: new payloads use the current key, older ones open
// with theirs. Search attributes are not payloads and stay readable (symbol, stage, outcome: no secrets).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import protos from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const ENCODING = 'encoding';
const KEY_ID = 'encryption-key-id';
const CIPHER = 'encryption-cipher';
const AES_256_GCM = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const ProtoPayload = protos.temporal.api.common.v1.Payload;

/** A 32-byte key and the id payloads name it by. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** A payload that cannot be opened: which key it needs, or that it was tampered with. */
export class PayloadCodecError extends Error {
  override readonly name = 'PayloadCodecError';
}

const text = (bytes: Uint8Array | undefined | null): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[ENCODING]) === ENCRYPTED_ENCODING;
}

/**
 * `keys[0]` seals new payloads; every key (and every `openOnly` key) opens the payloads that name it. With
 * no sealing key the codec passes payloads in clear; one it cannot open is refused, naming its key.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  readonly #byId: ReadonlyMap<string, Buffer>;

  constructor(
    private readonly keys: readonly CodecKey[],
    openOnly: readonly CodecKey[] = [],
  ) {
    for (const k of [...keys, ...openOnly]) if (k.key.length !== 32) throw new PayloadCodecError(`payload key ${k.id} is ${k.key.length} bytes, not 32`);
    this.#byId = new Map([...keys, ...openOnly].map((k) => [k.id, k.key]));
  }

  /** The id of the key new payloads are sealed with (null: none, payloads pass in clear). */
  get currentKeyId(): string | null {
    return this.keys[0]?.id ?? null;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.open(p));
  }

  seal(payload: Payload): Payload {
    const current = this.keys[0];
    if (current === undefined || isEncrypted(payload)) return payload;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    // The key id is authenticated with the data: a payload relabelled with another key id does not open.
    cipher.setAAD(Buffer.from(current.id));
    const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
    return {
      metadata: { [ENCODING]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(current.id), [CIPHER]: Buffer.from(AES_256_GCM) },
      data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
    };
  }

  /** A sealed payload opened (synchronously: `permitctl trace` reads whole histories), any other as it is. */
  open(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const keyId = text(payload.metadata?.[KEY_ID]) ?? '(none)';
    const key = this.#byId.get(keyId);
    if (key === undefined) {
      const known = this.#byId.size === 0 ? 'no key is configured (PAYLOAD_CODEC_KEYS)' : `the keys configured are ${[...this.#byId.keys()].join(', ')}`;
      throw new PayloadCodecError(`a payload is encrypted with key ${keyId}, and ${known}`);
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError(`an encrypted payload (key ${keyId}) is too short to be one`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain) as Payload;
    } catch {
      throw new PayloadCodecError(`an encrypted payload (key ${keyId}) does not open: it was altered, or sealed with another key of that id`);
    }
  }
}

function looksLikePayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return typeof metadata === 'object' && metadata !== null && ENCODING in metadata && 'data' in value;
}

/**
 * A fetched workflow history with every sealed payload opened in place (inputs, results, marker details,
 * user metadata): `permitctl trace` and the benchmark read it like a history in clear.
 */
export function openHistory<H extends object>(history: H, codec: AesGcmPayloadCodec): H {
  const visit = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return node;
    if (Array.isArray(node)) {
      node.forEach((item, i) => (node[i] = visit(item)));
      return node;
    }
    if (looksLikePayload(node)) return codec.open(node);
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = visit(record[key]);
    return node;
  };
  return visit(history) as H;
}
