// The layout is a rule that runs: every import of the shipped code is checked against the folder table
// in test/layout/import-rules.ts (docs/architecture.md says the same in words).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanImports, stalePending, violations, type ImportEdge } from './import-rules.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tree = scanImports(ROOT);

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ file: `src/${from}/x.ts`, from, to, typeOnly });

describe('import rules', () => {
  it('the tree has no import the table forbids', () => {
    expect(tree.edges.length).toBeGreaterThan(100);
    expect(violations(tree.edges, tree.packages)).toEqual([]);
  });

  it('every pending move still has its edge (a done move leaves the list)', () => {
    expect(stalePending(tree.edges)).toEqual([]);
  });

  it('forbids what the layout forbids', () => {
    expect(violations([edge('exchange', 'store')], [])).toEqual(['src/exchange/x.ts: exchange may not import store']);
    expect(violations([edge('store', 'exchange')], [])).toEqual(['src/store/x.ts: store may not import exchange']);
    expect(violations([edge('domain', 'store', true)], [])).toEqual(['src/domain/x.ts: domain may not import types from store']);
    expect(violations([edge('workflows', 'activities')], [])).toEqual(['src/workflows/x.ts: workflows may not import activities']);
    expect(violations([edge('workflows', 'activities', true)], [])).toEqual([]);
    expect(violations([edge('workers', 'bench')], [])).toEqual(['src/workers/x.ts: shipped code imports the harness folder bench/']);
    expect(violations([edge('nowhere', 'domain')], [])[0]).toContain('folder nowhere has no rule');
    expect(violations([], [{ file: 'src/workflows/x.ts', from: 'workflows', pkg: 'node:fs' }])).toEqual(['src/workflows/x.ts: workflows may not use the package node:fs']);
    expect(violations([], [{ file: 'src/domain/x.ts', from: 'domain', pkg: 'pg' }])).toEqual(['src/domain/x.ts: domain may not use the package pg']);
  });
});
