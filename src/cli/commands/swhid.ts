/**
 * `arca swhid`: validate SWHIDs and print their canonical form.
 *
 * @module
 */

import type { Command } from 'commander'

import { errorMessage } from '../../errors.js'
import {
  type ExtendedSwhid,
  formatSwhid,
  parseSwhid,
  type QualifiedSwhid,
  toHex,
} from '../../model/index.js'
import { writeErr, writeOut } from '../output.js'

function toJson(s: QualifiedSwhid | ExtendedSwhid): Record<string, unknown> {
  const out: Record<string, unknown> = {
    canonical: formatSwhid(s),
    object_type: s.type,
    object_id: s.id,
  }
  if ('qualifiers' in s) {
    const q = s.qualifiers
    out['qualifiers'] = {
      origin: q.origin ?? null,
      visit: q.visit ? formatSwhid(q.visit) : null,
      anchor: q.anchor ? formatSwhid(q.anchor) : null,
      path: q.path ? Buffer.from(q.path).toString('utf8') : null,
      path_hex: q.path ? toHex(q.path) : null,
      lines: q.lines ?? null,
    }
  }
  return out
}

/** Registers `swhid` on the program. */
export function registerSwhid(program: Command): void {
  program
    .command('swhid')
    .summary('Validate SWHIDs and print their canonical form.')
    .description(
      'Check each SWHID against the SWHID grammar and print its canonical form, qualifiers in ' +
        'the standard order (origin, visit, anchor, path, lines). Extended SWHIDs (swh:1:ori:…, ' +
        'swh:1:emd:…) are accepted without qualifiers. Exit 2 if any SWHID is invalid.',
    )
    .argument('<swhids...>', 'SWHIDs: core, qualified or extended.')
    .option('--json', 'Print one JSON object per line.')
    .addHelpText(
      'after',
      '\nExample:\n  $ arca swhid "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;lines=9-15;path=/a"\n' +
        '  swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;path=/a;lines=9-15',
    )
    .action((swhids: string[], flags: { json?: boolean }) => {
      let bad = 0
      for (const input of swhids) {
        try {
          const s = parseSwhid(input)
          writeOut(
            (flags.json ? JSON.stringify({ input, valid: true, ...toJson(s) }) : formatSwhid(s)) +
              '\n',
          )
        } catch (e) {
          bad++
          if (flags.json)
            writeOut(JSON.stringify({ input, valid: false, error: errorMessage(e) }) + '\n')
          writeErr(`arca: error: ${errorMessage(e)}`)
        }
      }
      if (bad > 0) process.exitCode = 2
    })
}
