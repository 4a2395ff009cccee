// The campaign's seeded randomness: every choice (plans, faults, clock moves, kill points and modes) comes
// from a PRNG derived from --seed, one stream per role, so that a lane's draws do not depend on how the
// other lanes happened to interleave. The interleaving itself (what the running system does in between)
// is timing, and no seed makes that repeat exactly.

export type Random = () => number;

/** mulberry32: a tiny, well-mixed 32-bit generator; floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over `${seed}:${label}`: a stable sub-seed per role ("lane 3", "kills", "clock"). */
export function subSeed(seed: number, label: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${label}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function streamFor(seed: number, label: string): Random {
  return mulberry32(subSeed(seed, label));
}

/** A whole number in [lo, hi]. */
export function intBetween(rng: Random, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
}

/** One of `entries` with probability weight / total weight. */
export function weighted<T>(rng: Random, entries: ReadonlyArray<{ weight: number; value: T }>): T {
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  let x = rng() * total;
  for (const e of entries) {
    x -= e.weight;
    if (x < 0) return e.value;
  }
  return entries.at(-1)!.value;
}
