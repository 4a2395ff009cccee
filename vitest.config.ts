import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start real servers (Temporal, paper exchange) and share PostgreSQL/Redis:
    // run files one at a time so two suites never fight over the 2 cores of the machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
