// The one rule for secrets from the environment: a secret comes from NAME or from the file named by
// NAME_FILE (Kubernetes/Docker secrets), never both, and a file that cannot be read stops the start.
import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/** The secret's value, or undefined when neither NAME nor NAME_FILE is set (an empty value counts as unset). */
export function secretFromEnv(env: Env, name: string): string | undefined {
  const direct = env[name] || undefined;
  const file = env[`${name}_FILE`] || undefined;
  if (direct !== undefined && file !== undefined) throw new Error(`set only one of ${name} and ${name}_FILE`);
  if (file === undefined) return direct;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${name}_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
