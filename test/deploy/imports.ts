// Packages the image's runtime code imports (type-only imports excluded): they must all be
// production dependencies, since the runtime stage installs with `npm ci --omit=dev`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const RUNTIME_PATHS = ['src', 'temporal', 'bin', 'scripts/build-workflow-bundle.ts'];
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function sourceFiles(path: string): string[] {
  if (statSync(path).isFile()) return /\.(ts|js|mjs)$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((entry) => sourceFiles(join(path, entry)));
}

function packageName(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? null : name;
}

export function runtimeImports(root: string): Array<{ file: string; pkg: string }> {
  const found: Array<{ file: string; pkg: string }> = [];
  for (const file of RUNTIME_PATHS.flatMap((p) => sourceFiles(join(root, p)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (match[2]) continue; // `import type … from` is erased at run time
      const pkg = packageName(match[3] ?? match[4] ?? match[5] ?? '');
      if (pkg) found.push({ file: relative(root, file), pkg });
    }
  }
  return found;
}
