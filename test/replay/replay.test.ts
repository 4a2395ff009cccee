// Recorded plan histories replay against the current workflow code without a determinism error:
// a change that would break plans already running fails here first.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../src/workers/plan-worker.js';
import { PROJECT_ROOT } from '../../temporal/cli-path.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');
const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.binpb'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(2);
  });

  it.each(fixtures)('replays %s without a determinism error', async (file) => {
    // Binary protobuf fixtures: historyFromJSON would mix two protobufjs copies (common's and proto's).
    const history = protos.temporal.api.history.v1.History.decode(readFileSync(join(DIR, file)));
    await expect(Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH, replayName: file }, history)).resolves.toBeUndefined();
  });
});
