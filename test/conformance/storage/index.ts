/**
 * The storage conformance suite: one function, run by each backend's spec file.
 */
import { contentTests } from './content.js'
import type { StorageSuiteContext } from './context.js'
import { counterTests } from './counters.js'
import { directoryTests } from './directory.js'
import { extidTests } from './extid.js'
import { forkTests } from './forks.js'
import { originTests } from './origin.js'
import { releaseTests } from './release.js'
import { removalTests } from './removal.js'
import { revisionTests } from './revision.js'
import { snapshotTests } from './snapshot.js'
import { visitTests } from './visit.js'

export type { StorageSuiteContext } from './context.js'

/** Registers every storage conformance test against the backend given by `ctx`. */
export function storageConformanceTests(ctx: StorageSuiteContext): void {
  contentTests(ctx)
  directoryTests(ctx)
  revisionTests(ctx)
  releaseTests(ctx)
  snapshotTests(ctx)
  originTests(ctx)
  visitTests(ctx)
  extidTests(ctx)
  counterTests(ctx)
  forkTests(ctx)
  removalTests(ctx)
}
