// stack.json: how a second permitctl process finds the embedded stack that `up` or `demo` runs.
import { join } from 'node:path';

export interface StackFile {
  pid: number;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | null;
  paperUrl: string | null;
}

export function stackFilePath(dataDir: string): string {
  return join(dataDir, 'stack.json');
}
