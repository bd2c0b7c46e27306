/**
 * The `git-bare` bundle: a tar of a bare git repository holding a revision, a release, a
 * snapshot or a directory with everything reachable from it, as Software Heritage's git-bare
 * cooker makes it: one top folder `swh:1:<type>:<id>.git/` with `HEAD`, `config`, the refs
 * (see `refs.ts`; here in `packed-refs`) and one pack with its index in `objects/pack/`. Every
 * object keeps its archived id (`git fsck` passes, `git log` shows the archived history).
 *
 * A directory has no history: as Software Heritage does, the bundle adds a commit of it
 * ("Initial commit", by the cooker, dated now) on `refs/heads/master`.
 *
 * The pack is written to a scratch file first (a tar entry's size comes before its bytes),
 * then the tar streams out; memory holds ids and index entries only.
 *
 * @module
 */

import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { InvalidInputError, NotFoundError } from '../../errors.js'
import { toHex, utf8 } from '../../model/index.js'
import type { CookContext, Cooker } from '../cooker.js'
import { PackIndexBuilder } from './idx.js'
import { type PackSink, writePack } from './pack.js'
import { type GitRef, type GitRefs, refsOfTarget } from './refs.js'
import { tarEnd, tarHeader, tarPadding } from './tar.js'
import { type PackWant, planPack } from './walk.js'

/** Who signs the commit made for a directory. */
const STUB_AUTHOR = 'Arca vault, git-bare cooker <vault@arca.invalid>'

/** Writes to a Node stream, waiting when it asks to. */
function streamSink(out: NodeJS.WritableStream): PackSink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        const onError = (e: Error): void => reject(e)
        out.once('error', onError)
        const ok = out.write(chunk, (e) => {
          out.off('error', onError)
          if (e) reject(e)
          else if (ok) resolve()
        })
        if (!ok) out.once('drain', () => resolve())
      }),
  }
}

/** `packed-refs` of the refs (tags with their peeled target). */
export function packedRefs(refs: GitRefs): Buffer {
  const parts: Uint8Array[] = [utf8('# pack-refs with: peeled fully-peeled sorted \n')]
  for (const r of refs.refs) {
    parts.push(utf8(`${r.id} `), r.name, utf8('\n'))
    if (r.peeled !== null) parts.push(utf8(`^${r.peeled}\n`))
  }
  return Buffer.concat(parts)
}

/** The `HEAD` file. */
export function headFile(head: GitRef | null): Buffer {
  if (head === null) return Buffer.from('ref: refs/heads/master\n')
  if (head.symref !== null) return Buffer.concat([utf8('ref: '), head.symref, utf8('\n')])
  return Buffer.from(`${head.id}\n`)
}

const CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n'

/** A commit of directory `dir` (git's bytes, id computed by the pack writer's caller). */
function stubCommit(dir: string, now: Date): Uint8Array {
  const when = `${Math.floor(now.getTime() / 1000)} +0000`
  return utf8(
    `tree ${dir}\nauthor ${STUB_AUTHOR} ${when}\ncommitter ${STUB_AUTHOR} ${when}\n\nInitial commit\n`,
  )
}

/** Cooks the git-bare bundle of `target` (see the module notes). */
export const cookGitBare: Cooker = async (ctx: CookContext, target, out) => {
  const o = ctx.signal ? { signal: ctx.signal } : {}
  const top = `swh:1:${target.type}:${target.id}.git`
  const sink = streamSink(out)
  ctx.progress?.('Listing references')
  let refs: GitRefs
  let extra: { type: 'commit'; body: Uint8Array }[] = []
  if (target.type === 'dir') {
    if ((await ctx.storage.directoryMissing([target.id], o)).length > 0) {
      throw new NotFoundError(`swh:1:dir:${target.id} is not archived`)
    }
    extra = [{ type: 'commit', body: stubCommit(target.id, new Date()) }]
    refs = { head: null, refs: [] }
  } else if (target.type === 'cnt') {
    throw new InvalidInputError(
      'A git-bare bundle is made of a directory, revision, release or snapshot',
    )
  } else {
    refs = await refsOfTarget(ctx.storage, target, o)
  }
  const wants: PackWant[] = [...refs.refs, ...(refs.head ? [refs.head] : [])].map((r) => ({
    type: r.kind,
    id: r.id,
  }))
  if (target.type === 'dir') wants.push({ type: 'dir', id: target.id })
  ctx.progress?.('Counting objects')
  const plan = await planPack(ctx.storage, {
    wants,
    ...o,
    ...(ctx.progress ? { progress: ctx.progress } : {}),
  })

  const scratch = await mkdtemp(join(tmpdir(), 'arca-git-bare-'))
  try {
    const tmpPack = join(scratch, 'pack.tmp')
    const file = createWriteStream(tmpPack)
    const index = new PackIndexBuilder()
    const fileSink = streamSink(file)
    const result = await writePack(ctx.storage, ctx.objstorage, plan, fileSink, {
      ...o,
      extra,
      onEntry: (e) => index.add(e),
      ...(ctx.progress ? { progress: ctx.progress } : {}),
    })
    await new Promise<void>((resolve, reject) => {
      file.once('error', reject)
      file.end(() => resolve())
    })
    if (target.type === 'dir') {
      const stub = result.extraIds[0]!
      refs = {
        head: {
          name: utf8('HEAD'),
          id: stub,
          kind: 'rev',
          peeled: null,
          symref: utf8('refs/heads/master'),
        },
        refs: [
          { name: utf8('refs/heads/master'), id: stub, kind: 'rev', peeled: null, symref: null },
        ],
      }
    }
    const packName = `pack-${toHex(result.checksum)}`
    const packPath = join(scratch, `${packName}.pack`)
    await rename(tmpPack, packPath)
    const idx = index.build(result.checksum)
    ctx.progress?.('Writing the bundle')

    const now = Math.floor(Date.now() / 1000)
    const dir = (path: string) =>
      sink.write(tarHeader(path, { type: 'dir', size: 0, mode: 0o755 }, now))
    const file_ = async (path: string, data: Buffer) => {
      await sink.write(tarHeader(path, { type: 'file', size: data.length, mode: 0o644 }, now))
      await sink.write(data)
      await sink.write(tarPadding(data.length))
    }
    await dir(top)
    await file_(`${top}/HEAD`, headFile(refs.head))
    await file_(`${top}/config`, Buffer.from(CONFIG))
    await file_(`${top}/packed-refs`, packedRefs(refs))
    await dir(`${top}/refs`)
    await dir(`${top}/refs/heads`)
    await dir(`${top}/refs/tags`)
    await dir(`${top}/objects`)
    await dir(`${top}/objects/info`)
    await dir(`${top}/objects/pack`)
    const size = (await stat(packPath)).size
    await sink.write(
      tarHeader(`${top}/objects/pack/${packName}.pack`, { type: 'file', size, mode: 0o444 }, now),
    )
    for await (const chunk of createReadStream(packPath) as AsyncIterable<Buffer>) {
      await sink.write(chunk)
    }
    await sink.write(tarPadding(size))
    await sink.write(
      tarHeader(
        `${top}/objects/pack/${packName}.idx`,
        { type: 'file', size: idx.length, mode: 0o444 },
        now,
      ),
    )
    await sink.write(idx)
    await sink.write(tarPadding(idx.length))
    await sink.write(tarEnd())
    await new Promise<void>((resolve) => out.end(() => resolve()))
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
