// The layout of docs/architecture.md as data: which folder may import which, and which packages a
// folder may use. test/layout/imports.test.ts checks the tree against it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A folder of the tree: `src/<name>` → name; `temporal/`, `bench/`, `campaign/`, `test/`, `scripts/`, `bin/` by their own name. */
export type Folder = string;

export interface ImportEdge {
  file: string;
  from: Folder;
  to: Folder;
  /** `import type`: erased at run time, so it carries no I/O and no code. */
  typeOnly: boolean;
}

export interface PackageUse {
  file: string;
  from: Folder;
  pkg: string;
}

export interface Rule {
  /** Folders this one may import code from (its own folder always). */
  imports: readonly Folder[];
  /** Folders it may import types from, beyond `imports`. */
  types?: readonly Folder[];
  /** When set, the only packages (node: built-ins included) it may use at run time. */
  packages?: readonly string[];
}

/** The harnesses and tests: nothing that ships may import them. */
export const HARNESSES: readonly Folder[] = ['bench', 'campaign', 'test', 'scripts'];

export const RULES: Record<Folder, Rule> = {
  domain: { imports: [], packages: ['decimal.js', 'zod'] },
  workflows: { imports: ['domain'], types: ['activities'], packages: ['@temporalio/workflow', '@temporalio/common'] },
  config: { imports: ['domain'] },
  codec: { imports: ['config'] },
  exchange: { imports: ['domain', 'config'] },
  store: { imports: ['domain', 'config'] },
  activities: { imports: ['domain', 'exchange', 'store'], types: ['workflows'] },
  client: { imports: ['domain', 'config', 'workflows'], types: ['activities', 'store'] },
  workers: { imports: ['domain', 'config', 'exchange', 'store', 'activities', 'workflows', 'client', 'codec'] },
  intake: { imports: ['domain', 'config', 'client', 'workers'] },
  cli: { imports: ['domain', 'config', 'client', 'exchange', 'store', 'intake', 'workers', 'stack', 'codec'] },
  stack: { imports: ['domain', 'config', 'exchange', 'store', 'client', 'workers', 'intake', 'temporal', 'codec'] },
  temporal: { imports: ['config', 'workflows', 'client', 'workers'] },
  bin: { imports: ['cli'] },
};

/**
 * Edges the target layout forbids that the tree still has, each with the move that removes it (issue 14).
 * The test fails when one of them is gone, so the list shrinks with the tree and never hides a new one.
 */
export const PENDING: ReadonlyArray<{ from: Folder; to: Folder; typeOnly?: boolean; move: string }> = [
];

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^;'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function sourceFiles(path: string): string[] {
  if (statSync(path).isFile()) return /\.(ts|js|mjs)$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((entry) => sourceFiles(join(path, entry)));
}

export function folderOf(root: string, file: string): Folder {
  const parts = relative(root, file).split(sep);
  return parts[0] === 'src' && parts.length > 2 ? parts[1]! : parts[0]!.replace(/\.(ts|js)$/, '');
}

function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier.split('/')[0]!;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every import of the shipped code (src/, temporal/, bin/), as folder edges and package uses. */
export function scanImports(root: string): { edges: ImportEdge[]; packages: PackageUse[] } {
  const edges: ImportEdge[] = [];
  const packages: PackageUse[] = [];
  for (const file of ['src', 'temporal', 'bin'].flatMap((p) => sourceFiles(join(root, p)))) {
    const from = folderOf(root, file);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[2] ?? match[3] ?? match[4] ?? '';
      const typeOnly = Boolean(match[1]);
      if (!specifier.startsWith('.')) {
        if (!typeOnly) packages.push({ file: relative(root, file), from, pkg: packageOf(specifier) });
        continue;
      }
      const to = folderOf(root, resolve(dirname(file), specifier));
      if (to !== from) edges.push({ file: relative(root, file), from, to, typeOnly });
    }
  }
  return { edges, packages };
}

function pendingFor(edge: ImportEdge) {
  return PENDING.find((p) => p.from === edge.from && p.to === edge.to && Boolean(p.typeOnly) === edge.typeOnly);
}

/** The edges the rules forbid and no pending move names, one line each. */
export function violations(edges: readonly ImportEdge[], packages: readonly PackageUse[]): string[] {
  const found: string[] = [];
  for (const edge of edges) {
    const rule = RULES[edge.from];
    if (HARNESSES.includes(edge.to)) found.push(`${edge.file}: shipped code imports the harness folder ${edge.to}/`);
    else if (!rule) found.push(`${edge.file}: folder ${edge.from} has no rule (add it to test/layout/import-rules.ts and docs/architecture.md)`);
    else if (rule.imports.includes(edge.to) || (edge.typeOnly && rule.types?.includes(edge.to))) continue;
    else if (!pendingFor(edge)) found.push(`${edge.file}: ${edge.from} may not import ${edge.typeOnly ? 'types from ' : ''}${edge.to}`);
  }
  for (const use of packages) {
    const allowed = RULES[use.from]?.packages;
    if (allowed && !allowed.includes(use.pkg)) found.push(`${use.file}: ${use.from} may not use the package ${use.pkg}`);
  }
  return found;
}

/** Pending moves already done: the tree no longer has the edge, so the entry must go. */
export function stalePending(edges: readonly ImportEdge[]): string[] {
  return PENDING.filter((p) => !edges.some((e) => e.from === p.from && e.to === p.to && e.typeOnly === Boolean(p.typeOnly))).map(
    (p) => `${p.from} → ${p.typeOnly ? 'types of ' : ''}${p.to} (${p.move})`,
  );
}
