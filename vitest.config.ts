import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    allowOnly: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files each create their own databases, so they may run in parallel;
    // two workers fit this 2-core machine without starving the database servers.
    maxWorkers: 2,
    // .ci/run asks for a JSON report too, from which it prints a plain "N passed, N failed" line.
    reporters: process.env.AIMEOS_SYNC_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
