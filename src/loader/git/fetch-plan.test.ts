import { describe, expect, it } from 'vitest'

import { fetchInHalves } from './fetch-plan.js'

/** A remote that fails any fetch whose wants include one of `bad`. */
function remote(bad: ReadonlySet<string>): {
  attempt: (w: readonly string[]) => Promise<void>
  calls: (readonly string[])[]
} {
  const calls: (readonly string[])[] = []
  return {
    calls,
    attempt: (w) => {
      calls.push(w)
      return w.some((x) => bad.has(x)) ? Promise.reject(new Error('corrupt')) : Promise.resolve()
    },
  }
}

const tips = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${i}`)
const opts = { haves: [], maxHaves: 1024, fatal: () => false }

describe('fetchInHalves', () => {
  it('one bad tip among 64: every other fetched, two fetches per halving level', async () => {
    const wants = tips(64)
    const r = remote(new Set(['t37']))
    const plan = await fetchInHalves(wants, new Error('first'), (w) => r.attempt(w), opts)
    expect(plan.failed.map((f) => f.want)).toEqual(['t37'])
    expect([...plan.fetched].sort()).toEqual(wants.filter((t) => t !== 't37').sort())
    expect(plan.fetches).toBe(2 * 6)
  })

  it('two bad tips among 1024 cost O(k log N) fetches', async () => {
    const r = remote(new Set(['t3', 't700']))
    const plan = await fetchInHalves(tips(1024), new Error('first'), (w) => r.attempt(w), opts)
    expect(plan.failed.map((f) => f.want).sort()).toEqual(['t3', 't700'])
    expect(plan.fetched).toHaveLength(1022)
    expect(plan.fetches).toBeLessThanOrEqual(2 * 2 * 10)
  })

  it('a remote that fails everything is given up after about 2·log2 N fetches', async () => {
    const wants = tips(1000)
    const r = remote(new Set(wants))
    const plan = await fetchInHalves(wants, new Error('first'), (w) => r.attempt(w), opts)
    expect(plan.fetched).toEqual([])
    expect(plan.failed.map((f) => f.want).sort()).toEqual([...wants].sort())
    expect(plan.fetches).toBeLessThanOrEqual(2 * 10 + 2)
  })

  it('fetched tips are offered as haves to later fetches; fatal errors end the plan', async () => {
    const seen: (readonly string[])[] = []
    await fetchInHalves(
      ['a', 'b'],
      new Error('first'),
      (w, h) => {
        seen.push(h)
        return w.includes('b') ? Promise.reject(new Error('x')) : Promise.resolve()
      },
      { haves: ['old'], maxHaves: 10, fatal: () => false },
    )
    expect(seen).toEqual([['old'], ['a', 'old']])
    const gone = new Error('gone')
    await expect(
      fetchInHalves(['a', 'b'], new Error('first'), () => Promise.reject(gone), {
        ...opts,
        fatal: (e) => e === gone,
      }),
    ).rejects.toBe(gone)
  })
})
