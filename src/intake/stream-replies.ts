// Narrows raw Redis stream replies (RESP2 shapes: the bridge's connections use protocol 2) into entries.
import { fieldsFromPairs, type EntryFields } from './stream-entry.js';

export interface StreamEntry {
  id: string;
  /** null when the entry is still in the pending list but was deleted from the stream (XDEL, MAXLEN trim). */
  fields: EntryFields | null;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function toEntry(raw: unknown): StreamEntry | null {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return null;
  const pairs: unknown = raw[1];
  return { id: raw[0], fields: isStringArray(pairs) ? fieldsFromPairs(pairs) : null };
}

export function entriesOf(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map(toEntry).filter((e): e is StreamEntry => e !== null);
}

/** XREADGROUP … STREAMS key id → [[key, [[id, [f, v, …]], …]]] or null. */
export function entriesOfReadGroup(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const first: unknown = raw[0];
  return Array.isArray(first) ? entriesOf(first[1]) : [];
}

export interface AutoClaimPage {
  nextStart: string;
  entries: StreamEntry[];
}

/** XAUTOCLAIM → [next-start, [[id, fields], …], [deleted ids]]: the deleted ids need nothing from us (Redis ≥ 7 drops them from the PEL itself). */
export function autoClaimPageOf(raw: unknown): AutoClaimPage {
  if (!Array.isArray(raw)) return { nextStart: '0-0', entries: [] };
  return { nextStart: typeof raw[0] === 'string' ? raw[0] : '0-0', entries: entriesOf(raw[1]) };
}

/** XPENDING key group (summary form) → the number of delivered-but-unacknowledged entries. */
export function pendingCountOf(raw: unknown): number {
  return Array.isArray(raw) && typeof raw[0] === 'number' ? raw[0] : 0;
}

/** XINFO GROUPS → the `lag` of one group (entries not yet delivered to it); null when Redis cannot tell. */
export function groupLagOf(raw: unknown, group: string): number | null {
  if (!Array.isArray(raw)) return null;
  for (const info of raw) {
    if (!Array.isArray(info)) continue;
    const fields = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < info.length; i += 2) fields.set(info[i], info[i + 1]);
    if (fields.get('name') !== group) continue;
    const lag = fields.get('lag');
    return typeof lag === 'number' ? lag : null;
  }
  return null;
}
