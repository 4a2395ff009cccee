// A V8 CPU profile of this process over one load step (node:inspector), summarised as self time by
// package and by function: where the bench process's single JavaScript thread spends its time.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfileSummary {
  file: string | null;
  samples: number;
  /** Self-time share by package (node_modules/<pkg>, src/<dir>, node:internal, (idle), (gc), …). */
  by_package_pct: Record<string, number>;
  top_functions: Array<{ function: string; where: string; self_pct: number }>;
}

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|test|scripts|temporal)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url.split('/').slice(-2).join('/');
}

export async function profileDuring<T>(fn: () => Promise<T>, outFile: string | null): Promise<{ value: T; profile: CpuProfileSummary }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    const value = await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples?: number[] } };
    if (outFile) writeFileSync(outFile, JSON.stringify(profile));
    const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    const byPackage = new Map<string, number>();
    const byFunction = new Map<string, { function: string; where: string; hits: number }>();
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (!hits) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const pkg = packageOf(url, functionName);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
      const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '';
      const key = `${functionName}@${where}`;
      const entry = byFunction.get(key) ?? { function: functionName || '(anonymous)', where, hits: 0 };
      entry.hits += hits;
      byFunction.set(key, entry);
    }
    const pct = (hits: number) => Math.round((hits / total) * 1000) / 10;
    return {
      value,
      profile: {
        file: outFile,
        samples: total,
        by_package_pct: Object.fromEntries([...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => [k, pct(v)])),
        top_functions: [...byFunction.values()].sort((a, b) => b.hits - a.hits).slice(0, 15).map((f) => ({ function: f.function, where: f.where, self_pct: pct(f.hits) })),
      },
    };
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
