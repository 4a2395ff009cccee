// How a worker process is started: the image's ENTRYPOINT, and what the tests, the bench and the
// campaign spawn, so that all of them run the same command.

/** A 1 MB young generation per heap instead of 16-32 MB: a smaller worker (docs/benchmarks.md, footprint). */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=1'] as const;
/** `node <flags> bin/permitctl.js worker`: the image's ENTRYPOINT (test/deploy checks) and what the tests spawn. */
export const WORKER_COMMAND = ['node', ...WORKER_NODE_FLAGS, 'bin/permitctl.js', 'worker'] as const;
