/**
 * Read-back commands: `arca visits URL`, `arca ls SWHID`, `arca cat SWHID`, `arca log SWHID`.
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError } from '../../errors.js'
import { redactUserinfo, splitRemoteUrl } from '../../loader/index.js'
import {
  concatBytes,
  type CoreSwhid,
  decodeForDisplay,
  directoryObjectManifest,
  formatSwhid,
  isoformatUtc,
  releaseObjectManifest,
  revisionObjectManifest,
  snapshotManifest,
  SWHID_TYPE_OF_KIND,
  utf8,
} from '../../model/index.js'
import type { Archive } from '../../storage/index.js'
import {
  branchesJson,
  directoryEntryJson,
  releaseJson,
  revisionJson,
  visitJson,
} from '../../views/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { notArchived, swhidArg, withArchive } from '../open.js'
import { writeOut } from '../output.js'

interface JsonFlag extends ArchiveFlags {
  json?: boolean
}

const TYPE_WORD: Record<string, string> = { file: 'cnt', dir: 'dir', rev: 'rev' }

/** The root directory of a directory, revision or release SWHID. */
async function rootDirectory(archive: Archive, swhid: CoreSwhid): Promise<string> {
  const s = archive.storage
  let target: CoreSwhid = swhid
  for (let depth = 0; depth < 16; depth++) {
    if (target.type === 'dir') {
      if ((await s.directoryMissing([target.id])).length > 0) notArchived(formatSwhid(target))
      return target.id
    }
    if (target.type === 'rev') {
      const [r] = await s.revisionGet([target.id])
      if (!r) notArchived(formatSwhid(target))
      return r.directory
    }
    if (target.type === 'snp') {
      const head = await snapshotHead(archive, target.id)
      if (!head) throw new InvalidInputError(`Snapshot "${formatSwhid(target)}" has no HEAD`)
      target = head
      continue
    }
    if (target.type === 'rel') {
      const [r] = await s.releaseGet([target.id])
      if (!r || r.target === null) notArchived(formatSwhid(target))
      target = { type: SWHID_TYPE_OF_KIND[r.targetType], id: r.target }
      continue
    }
    break
  }
  throw new InvalidInputError(`"${formatSwhid(swhid)}" does not lead to a directory`)
}

const GIT_WORD = { cnt: 'blob', dir: 'tree', rev: 'commit', rel: 'tag', snp: 'snapshot' } as const

/** `arca cat --batch`: objects in git's `cat-file --batch` format, for byte-exact comparisons. */
async function catBatch(flags: ArchiveFlags): Promise<void> {
  const lines: string[] = []
  let buffered = ''
  for await (const chunk of process.stdin as AsyncIterable<Buffer>)
    buffered += chunk.toString('utf8')
  for (const l of buffered.split('\n')) if (l.trim() !== '') lines.push(l.trim())
  await withArchive(flags, null, async (archive) => {
    const s = archive.storage
    for (const line of lines) {
      const swhid = swhidArg(line)
      let bodyBytes: Uint8Array | null = null
      switch (swhid.type) {
        case 'cnt':
          if ((await s.contentMissing([swhid.id])).length === 0)
            bodyBytes = await archive.objstorage.getBytes(swhid.id)
          break
        case 'dir': {
          const [d] = await s.directoryGet([swhid.id])
          if (d) bodyBytes = stripHeader(directoryObjectManifest(d))
          break
        }
        case 'rev': {
          const [r] = await s.revisionGet([swhid.id])
          if (r) bodyBytes = stripHeader(revisionObjectManifest(r))
          break
        }
        case 'rel': {
          const [r] = await s.releaseGet([swhid.id])
          if (r) bodyBytes = stripHeader(releaseObjectManifest(r))
          break
        }
        case 'snp': {
          const [snp] = await s.snapshotGet([swhid.id])
          if (snp) bodyBytes = stripHeader(snapshotManifest(snp.branches))
          break
        }
      }
      if (bodyBytes === null) writeOut(`${swhid.id} missing\n`)
      else
        writeOut(
          concatBytes([
            utf8(`${swhid.id} ${GIT_WORD[swhid.type]} ${bodyBytes.length}\n`),
            bodyBytes,
            utf8('\n'),
          ]),
        )
    }
  })
}

function stripHeader(framedManifest: Uint8Array): Uint8Array {
  return framedManifest.subarray(framedManifest.indexOf(0) + 1)
}

/** The object a snapshot's HEAD branch leads to (aliases followed). */
async function snapshotHead(archive: Archive, id: string): Promise<CoreSwhid | null> {
  const [snp] = await archive.storage.snapshotGet([id])
  if (!snp) notArchived(`swh:1:snp:${id}`)
  const byName = new Map(
    snp.branches.map((b) => [Buffer.from(b.name).toString('latin1'), b.target]),
  )
  let t = byName.get('HEAD') ?? null
  for (let i = 0; i < 8 && t?.targetType === 'alias'; i++)
    t = byName.get(Buffer.from(t.target).toString('latin1')) ?? null
  if (!t || t.targetType === 'alias') return null
  return { type: SWHID_TYPE_OF_KIND[t.targetType], id: t.target }
}

/** Registers the read-back commands. */
export function registerReadCommands(program: Command): void {
  addArchiveOptions(
    program
      .command('visits')
      .summary('List the visits of an origin.')
      .description(
        'List the visits of an archived origin, oldest first: visit number, date, type, status ' +
          'and snapshot SWHID. A local path is looked up as the file:// URL arca save records.',
      )
      .argument('<url>', 'Origin URL (or the local path given to arca save).')
      .option('--json', 'Print one JSON object per line.')
      .addHelpText(
        'after',
        '\nExample:\n  $ arca visits https://github.com/torvalds/linux\n' +
          '  1\t2026-01-05T10:00:00+00:00\tgit\tfull\tswh:1:snp:…',
      ),
  ).action(async (given: string, flags: JsonFlag) => {
    await withArchive(flags, null, async (archive) => {
      const s = archive.storage
      // The origin as `arca save` records it (a local path as its file:// URL), else as given.
      let normalised = given
      try {
        normalised = splitRemoteUrl(given).originUrl
      } catch {
        // not a repository URL: looked up as given
      }
      const found = await s.originGet([normalised, given])
      const url = found[0] ? normalised : given
      if (!found[0] && !found[1])
        throw new InvalidInputError(`Origin "${redactUserinfo(given)}" is not in the archive`)
      let token: string | null = null
      do {
        const page = await s.originVisitGet(url, { limit: 100, pageToken: token })
        for (const v of page.results) {
          const st = await s.originVisitStatusGetLatest(url, v.visit)
          if (flags.json) writeOut(JSON.stringify(visitJson(v, st)) + '\n')
          else {
            const snp = st?.snapshot ? `swh:1:snp:${st.snapshot}` : '-'
            writeOut(
              `${v.visit}\t${isoformatUtc(v.date, v.dateExtraMicros)}\t${v.type}\t${st?.status ?? 'created'}\t${snp}\n`,
            )
          }
        }
        token = page.nextPageToken
      } while (token)
    })
  })

  addArchiveOptions(
    program
      .command('ls')
      .summary('List a directory (of a dir, rev, rel or snp SWHID).')
      .description(
        'List the entries of an archived directory: mode, type, SWHID, size and name. A ' +
          'revision or release lists its root directory, a snapshot that of its HEAD.',
      )
      .argument('<swhid>', 'Directory, revision, release or snapshot SWHID.')
      .option('-r, --recursive', 'List the whole tree.')
      .option('--json', 'Print one JSON object per line.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca ls swh:1:dir:4b825dc642cb6eb9a060e54bf8d69288fbee4904\n' +
          '  $ arca ls -r --json "swh:1:rev:<id>"',
      ),
  ).action(async (text: string, flags: JsonFlag & { recursive?: boolean }) => {
    const swhid = swhidArg(text)
    await withArchive(flags, null, async (archive) => {
      const dir = await rootDirectory(archive, swhid)
      const entries = await archive.storage.directoryLs(dir, {
        recursive: flags.recursive === true,
      })
      if (!entries) notArchived(`swh:1:dir:${dir}`)
      for (const e of entries) {
        if (flags.json) writeOut(JSON.stringify(directoryEntryJson(e)) + '\n')
        else {
          const size = e.type === 'file' ? String(e.length ?? '-') : '-'
          writeOut(
            concatBytes([
              utf8(
                `${e.perms.toString(8).padStart(6, '0')} ${TYPE_WORD[e.type]} swh:1:${TYPE_WORD[e.type]}:${e.target} ${size.padStart(8)}\t`,
              ),
              e.path,
              utf8('\n'),
            ]),
          )
        }
      }
    })
  })

  addArchiveOptions(
    program
      .command('cat')
      .summary('Print an object: content bytes, other objects as JSON.')
      .description(
        'Print an archived object: a content as its exact bytes, a directory, revision, release ' +
          'or snapshot as JSON (or, with --raw, as its git object body).',
      )
      .argument('[swhid]', 'Any core SWHID (qualifiers are ignored).')
      .option('--raw', 'Print the exact git object body (the manifest without its header).')
      .option(
        '--batch',
        'Read SWHIDs from standard input and print each as git cat-file --batch does: "<id> <type> <size>", the body, a newline.',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca cat swh:1:cnt:ce013625030ba8dba906f756967f9e9ca394464a\n  hello\n' +
          '  $ echo swh:1:rev:<id> | arca cat --batch',
      ),
  ).action(
    async (text: string | undefined, flags: ArchiveFlags & { raw?: boolean; batch?: boolean }) => {
      if (flags.batch) return catBatch(flags)
      if (text === undefined) throw new InvalidInputError('cat needs a SWHID (or --batch)')
      const swhid = swhidArg(text)
      await withArchive(flags, null, async (archive) => {
        const s = archive.storage
        const shown = formatSwhid(swhid)
        const body = (framedManifest: Uint8Array): Uint8Array =>
          framedManifest.subarray(framedManifest.indexOf(0) + 1)
        switch (swhid.type) {
          case 'cnt': {
            const [c] = await s.contentGet([swhid.id])
            if (!c) notArchived(shown)
            for await (const chunk of archive.objstorage.get(swhid.id)) writeOut(chunk)
            return
          }
          case 'dir': {
            const [d] = await s.directoryGet([swhid.id])
            if (!d) notArchived(shown)
            if (flags.raw) return writeOut(body(directoryObjectManifest(d)))
            const entries = (await s.directoryLs(swhid.id)) ?? []
            return writeOut(JSON.stringify(entries.map(directoryEntryJson), null, 2) + '\n')
          }
          case 'rev': {
            const [r] = await s.revisionGet([swhid.id])
            if (!r) notArchived(shown)
            if (flags.raw) return writeOut(body(revisionObjectManifest(r)))
            return writeOut(JSON.stringify(revisionJson(r), null, 2) + '\n')
          }
          case 'rel': {
            const [r] = await s.releaseGet([swhid.id])
            if (!r) notArchived(shown)
            if (flags.raw) return writeOut(body(releaseObjectManifest(r)))
            return writeOut(JSON.stringify(releaseJson(r), null, 2) + '\n')
          }
          case 'snp': {
            const [snp] = await s.snapshotGet([swhid.id])
            if (!snp) notArchived(shown)
            if (flags.raw) return writeOut(body(snapshotManifest(snp.branches)))
            return writeOut(
              JSON.stringify({ id: snp.id, branches: branchesJson(snp) }, null, 2) + '\n',
            )
          }
        }
      })
    },
  )

  addArchiveOptions(
    program
      .command('log')
      .summary('List revisions reachable from a revision (or a snapshot head), breadth first.')
      .description(
        'List the revisions reachable from a revision, a release of one, or the HEAD of a ' +
          'snapshot, breadth first: SWHID, date, author and first line of the message.',
      )
      .argument('<swhid>', 'Revision, release or snapshot SWHID.')
      .option('-n, --limit <n>', 'Print at most this many revisions.', (v: string) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1)
          throw new InvalidInputError(`"${v}" is not a positive integer`)
        return n
      })
      .option('--json', 'Print one JSON object per line.')
      .addHelpText('after', '\nExample:\n  $ arca log -n 10 "swh:1:snp:<id>"'),
  ).action(async (text: string, flags: JsonFlag & { limit?: number }) => {
    const swhid = swhidArg(text)
    await withArchive(flags, null, async (archive) => {
      const s = archive.storage
      let head: string | null = null
      if (swhid.type === 'rev') head = swhid.id
      else if (swhid.type === 'rel') {
        const [r] = await s.releaseGet([swhid.id])
        if (!r) notArchived(formatSwhid(swhid))
        head = r.targetType === 'revision' ? r.target : null
      } else if (swhid.type === 'snp') {
        const [snp] = await s.snapshotGet([swhid.id])
        if (!snp) notArchived(formatSwhid(swhid))
        const byName = new Map(
          snp.branches.map((b) => [Buffer.from(b.name).toString('latin1'), b.target]),
        )
        let t = byName.get('HEAD') ?? null
        for (let i = 0; i < 8 && t?.targetType === 'alias'; i++)
          t = byName.get(Buffer.from(t.target).toString('latin1')) ?? null
        head = t?.targetType === 'revision' ? t.target : null
      }
      if (head === null) throw new InvalidInputError(`"${text}" does not lead to a revision`)
      if ((await s.revisionMissing([head])).length > 0) notArchived(`swh:1:rev:${head}`)
      for await (const r of s.revisionLog(
        [head],
        flags.limit === undefined ? {} : { limit: flags.limit },
      )) {
        if (flags.json) writeOut(JSON.stringify(revisionJson(r)) + '\n')
        else {
          const j = revisionJson(r)
          const first = r.message === null ? '' : decodeForDisplay(r.message).text.split('\n')[0]
          const author = (j['author'] as { name?: string } | null)?.name ?? ''
          writeOut(
            `swh:1:rev:${r.id}\t${(j['date'] as string | null) ?? ''}\t${author}\t${first}\n`,
          )
        }
      }
    })
  })
}
