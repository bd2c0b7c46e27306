import { describe, expect, it } from 'vitest'

import { EgressGate } from '../../src/loader/core/egress.js'
import { STRICT_POLICY } from '../../src/net/index.js'

// 127.0.0.1 is loopback (RFC 1122), which the strict policy refuses.
const LOOPBACK = 'svn://127.0.0.1/repo'

describe('EgressGate.pin', () => {
  it('keeps the first refusal as the reason of the load', async () => {
    const gate = new EgressGate(STRICT_POLICY)
    await expect(gate.pin(LOOPBACK)).rejects.toThrow(/127\.0\.0\.1/)
    expect(await gate.refusal()).toMatch(/127\.0\.0\.1.*not allowed/)
    await gate.close()
  })

  it('does not keep the refusal of an optional part (an svn external left out)', async () => {
    const gate = new EgressGate(STRICT_POLICY)
    await expect(gate.pin(LOOPBACK, true)).rejects.toThrow(/127\.0\.0\.1/)
    expect(await gate.refusal()).toBeNull()
    await gate.close()
  })

  it('leaves a URL unchanged without a policy', async () => {
    const gate = new EgressGate(undefined)
    expect(await gate.pin(LOOPBACK)).toMatchObject({ url: LOOPBACK, address: null })
    expect(await gate.refusal()).toBeNull()
  })
})
