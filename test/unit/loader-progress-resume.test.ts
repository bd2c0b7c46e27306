/**
 * Phases resumed in turn (a producer of changes stores each revision's contents, directories,
 * revision and ExtID in turn): counts go on across resumptions, events stay thinned by work,
 * and every phase's final counts come before `done`.
 */
import { describe, expect, it } from 'vitest'

import { ProgressTracker } from '../../src/loader/core/progress.js'
import type { LoadProgress } from '../../src/loader/core/types.js'

describe('ProgressTracker with resumed phases', () => {
  it('counts on, emits thinned events, and ends every phase with its final counts', () => {
    const events: LoadProgress[] = []
    const t = new ProgressTracker((p) => events.push(p))
    for (let i = 0; i < 2000; i++) {
      t.advance('contents', 3, 100)
      t.advance('directories', 7)
      t.advance('revisions', 1)
    }
    t.done(22000, 600000)
    // Old behaviour: four events per revision, each restarting at 1.
    expect(events.length).toBeLessThan(100)
    const last = (phase: string): LoadProgress => events.filter((e) => e.phase === phase).at(-1)!
    expect(last('contents').objects).toBe(6000)
    expect(last('contents').bytes).toBe(200000)
    expect(last('directories').objects).toBe(14000)
    expect(last('revisions').objects).toBe(2000)
    expect(events.at(-1)!.phase).toBe('done')
  })
})
