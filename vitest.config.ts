import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
    testTimeout: 30_000,
    // Vitest's default on N cores is N - 1 workers: one on a 2-core CI machine, where the
    // integration files mostly wait on child processes, servers and fsync. Three workers keep
    // both cores busy; each file still runs in its own process, and every suite makes its own
    // scratch directories, databases, ports and NATS prefixes. VITEST_MAX_WORKERS overrides it.
    maxWorkers: 3,
  },
})
