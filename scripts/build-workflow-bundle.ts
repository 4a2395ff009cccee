// Builds the workflow bundle into one file, so a worker starts without bundling (the image sets
// WORKFLOW_BUNDLE_PATH to it). Usage: node --import tsx scripts/build-workflow-bundle.ts [OUT]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/workers/plan-worker.js';

const ignore = () => undefined;
/** webpack's statistics are noise here; build errors still throw. */
const quietLogger = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore, log: ignore };

export const DEFAULT_BUNDLE_PATH = 'dist/workflow-bundle.js';

export async function buildWorkflowBundle(outPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  const target = resolve(outPath);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = await buildWorkflowBundle(process.argv[2] ?? DEFAULT_BUNDLE_PATH);
  process.stdout.write(`workflow bundle written to ${target}\n`);
}
