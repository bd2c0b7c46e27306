/**
 * Progress events of interleaved phases (producers of changes: each revision's contents, its
 * directories, then the revision): a phase begun again resumes its counts without a new first
 * event, events stay thinned by work, and every phase's final counts come at the end.
 */
import { describe, expect, it } from 'vitest'

import { EVERY_OBJECTS, ProgressTracker } from '../../src/loader/core/progress.js'
import type { LoadProgress } from '../../src/loader/core/types.js'

describe('progress of interleaved phases', () => {
  it('resumes counts silently and ends every phase with its final counts', () => {
    const events: LoadProgress[] = []
    const t = new ProgressTracker((p) => events.push(p))
    const revisions = 3 * EVERY_OBJECTS
    for (let r = 0; r < revisions; r++) {
      t.advance('contents', 1, 10)
      t.advance('directories', 3)
      t.advance('revisions', 1)
    }
    t.done(revisions * 5, revisions * 10)
    // Thinned by work: a few events per phase, not one per switch.
    expect(events.length).toBeLessThan(40)
    const last = (phase: string): LoadProgress => events.filter((e) => e.phase === phase).at(-1)!
    expect(last('contents')).toMatchObject({ objects: revisions, bytes: revisions * 10 })
    expect(last('directories').objects).toBe(3 * revisions)
    expect(last('revisions').objects).toBe(revisions)
    expect(events.at(-1)).toMatchObject({ phase: 'done', objects: revisions * 5 })
    // Counts only grow within a phase.
    for (const phase of ['contents', 'directories', 'revisions']) {
      const counts = events.filter((e) => e.phase === phase).map((e) => e.objects)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
    }
  })

  it('still sends each final event on leaving phases that do not come back (git)', () => {
    const events: LoadProgress[] = []
    const t = new ProgressTracker((p) => events.push(p))
    t.advance('contents', 2)
    t.advance('directories', 1)
    expect(events.map((e) => [e.phase, e.objects])).toEqual([
      ['contents', 0],
      ['contents', 2],
      ['directories', 0],
    ])
  })
})
