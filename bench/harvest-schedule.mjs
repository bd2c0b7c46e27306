// bench:harvest, part 2: choosing the next visits. LISTED origins are listed (through
// addOrigins, in calls of 10,000, their listing times spread over 60 days); all but 500 are then
// marked visited once (one bulk UPDATE: last visit an hour after listing, next due 30 days after,
// so about half are overdue, by up to 30 days). Measured: scheduleDue(1000) five times in a row
// on the real clock: the first takes the 500 never visited then 500 by lag, the next ones 1,000 by
// lag each (and each skips the origins with a task queued by the calls before).
import { openScheduler } from '../dist/scheduler/index.js'

const DAY = 86_400_000

export async function scheduleBench(url, { listed, log }) {
  const now = Date.now()
  let clock = now
  const s = await openScheduler(url, { clock: () => clock, visits: { random: () => 0.5 } })
  const t0 = performance.now()
  const per = 10_000
  for (let i = 0; i < listed; i += per) {
    clock = now - 60 * DAY + Math.floor((i / listed) * 60 * DAY)
    const batch = []
    for (let k = i; k < Math.min(listed, i + per); k++) {
      const fresh = k % Math.max(1, Math.floor(listed / 500)) === 0
      batch.push({ url: `https://example.org/${fresh ? 'new' : 'old'}/${k}`, visitType: 'git' })
    }
    await s.visits.addOrigins(batch)
  }
  const db = s.db
  await db.run(
    `UPDATE origin_visit_stats SET last_visit = next_visit_due + 3600000, last_visit_status = 'successful',
       last_snapshot = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', next_visit_due = next_visit_due + ?
     WHERE url LIKE 'https://example.org/old/%'`,
    [30 * DAY],
  )
  if (db.dialect === 'postgres') await db.run('ANALYZE')
  const setupMs = performance.now() - t0
  log(`  listed ${listed.toLocaleString('en-US')} origins (setup ${(setupMs / 1000).toFixed(1)} s)`)
  clock = now
  const times = []
  for (let run = 0; run < 5; run++) {
    const t = performance.now()
    const r = await s.visits.scheduleDue(1000)
    const ms = performance.now() - t
    times.push(ms)
    if (r.taskIds.length !== 1000) throw new Error(`scheduled ${r.taskIds.length} of 1000`)
    log(
      `  scheduleDue(1000) #${run + 1}: ${ms.toFixed(0)} ms (${r.firstVisits} first visits, ${r.recurrent} by lag)`,
    )
  }
  await s.close()
  return { times }
}
