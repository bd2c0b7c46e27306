/**
 * Git objects to model objects (src/loader/git/convert.ts), on objects made by real git
 * (`commit-tree`, `mktag`, `mktree`, and `hash-object --literally` for what git reads but does
 * not write itself). Expected values are read back from git (`git log --format`,
 * `git for-each-ref --format`, `git ls-tree`, `git cat-file`) or are the bytes this test wrote;
 * the converted object's id must be git's object id, and where the model regenerates the
 * object (no raw manifest) the model's own hash of the converted fields must be git's id too.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  checkGitId,
  commitToRevision,
  parseTreeEntries,
  tagToRelease,
  treeToDirectory,
} from '../../src/loader/git/convert.js'
import { makeDirectory, makeRelease, makeRevision } from '../../src/model/index.js'
import { git, gitEnvFixed, writeLiteral } from '../helpers/repos.js'
import { makeTemp, removeTemp } from '../helpers/tree.js'

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1')
const text = (b: Uint8Array | null | undefined): string | null | undefined =>
  b == null ? b : Buffer.from(b).toString('latin1')

let root: string
let repo: string

/** git's stdout as bytes, untrimmed. */
function gitRaw(args: readonly string[], input?: Buffer, env: Record<string, string> = {}): Buffer {
  return execFileSync('git', ['-C', repo, ...args], {
    env: gitEnvFixed(env),
    maxBuffer: 1 << 26,
    ...(input ? { input } : {}),
  })
}

/** The object's body as git stores it. */
const body = (type: string, oid: string): Buffer => gitRaw(['cat-file', type, oid])

/** The message as git stores it: everything after the first empty line, or null. */
function messageOf(raw: Buffer): string | null {
  const i = raw.indexOf('\n\n')
  return i < 0 ? null : raw.subarray(i + 2).toString('latin1')
}

/** One `git log -1` field of a commit (dates raw: `<seconds> <±hhmm>`). */
const log = (oid: string, format: string): string =>
  gitRaw(['log', '-1', '--date=raw', `--format=${format}`, oid])
    .toString('latin1')
    .replace(/\n$/, '')

beforeAll(() => {
  root = makeTemp('arca-convert-')
  repo = join(root, 'repo')
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnvFixed() })
})

afterAll(() => removeTemp(root))

const blob = (content: string): string =>
  gitRaw(['hash-object', '-w', '--stdin'], bytes(content)).toString().trim()
const mktree = (entries: string): string =>
  gitRaw(['mktree', '-z', '--missing'], bytes(entries)).toString().trim()
const commitTree = (args: string[], message: string, env: Record<string, string> = {}): string =>
  gitRaw(['commit-tree', ...args], bytes(message), env)
    .toString()
    .trim()

describe('commitToRevision', () => {
  /** Converts a commit and checks what git itself says about it. */
  function convertCommit(oid: string) {
    const raw = body('commit', oid)
    checkGitId('commit', oid, raw)
    const rev = commitToRevision(oid, raw)
    expect(rev.id).toBe(oid)
    expect(rev.directory).toBe(log(oid, '%T'))
    expect(rev.parents).toEqual(log(oid, '%P').split(' ').filter(Boolean))
    expect(text(rev.message)).toBe(messageOf(raw))
    expect(rev.type).toBe('git')
    expect(rev.synthetic).toBe(false)
    return { rev, raw }
  }

  /** The model's own manifest of the converted fields hashes to git's id. */
  function expectRegenerated(rev: ReturnType<typeof commitToRevision>): void {
    expect(rev.rawManifest).toBeNull()
    const { id: _id, ...fields } = rev
    void _id
    expect(makeRevision(fields).id).toBe(rev.id)
  }

  /** Author and committer as git parses them (name, email, seconds, offset). */
  function expectPersonsAsGit(rev: ReturnType<typeof commitToRevision>): void {
    const oid = rev.id
    expect(text(rev.author?.fullname)).toBe(`${log(oid, '%an')} <${log(oid, '%ae')}>`)
    expect(text(rev.committer?.fullname)).toBe(`${log(oid, '%cn')} <${log(oid, '%ce')}>`)
    expect(rev.date?.timestamp).toEqual({ seconds: Number(log(oid, '%at')), microseconds: 0 })
    expect(rev.committerDate?.timestamp).toEqual({
      seconds: Number(log(oid, '%ct')),
      microseconds: 0,
    })
    expect(text(rev.date?.offsetBytes)).toBe(log(oid, '%ad').split(' ')[1])
    expect(text(rev.committerDate?.offsetBytes)).toBe(log(oid, '%cd').split(' ')[1])
  }

  it('a plain commit, a root and a merge', () => {
    const tree = mktree(`100644 blob ${blob('a\n')}\tf\0`)
    const first = commitTree([tree], 'first\n')
    const second = commitTree([tree, '-p', first], 'second\n\nwith a body\n')
    const merge = commitTree([tree, '-p', first, '-p', second], 'merge\n')
    for (const oid of [first, second, merge]) {
      const { rev } = convertCommit(oid)
      expectPersonsAsGit(rev)
      expectRegenerated(rev)
      expect(rev.extraHeaders).toEqual([])
    }
    expect(convertCommit(merge).rev.parents).toEqual([first, second])
  })

  it('no trailing newline, an empty email, +1400 and odd offsets written by git', () => {
    const tree = mktree('')
    const cases: [string, string][] = [
      ['1700000000 +1400', '1700000001 -1200'],
      ['1700000000 +0545', '1700000001 -0930'],
      ['@0 +0000', '2000000000 -1234'],
    ]
    for (const [authorDate, committerDate] of cases) {
      const oid = commitTree([tree], 'no newline at the end', {
        GIT_AUTHOR_EMAIL: '',
        GIT_AUTHOR_DATE: authorDate,
        GIT_COMMITTER_DATE: committerDate,
      })
      const { rev, raw } = convertCommit(oid)
      expect(messageOf(raw)).toBe('no newline at the end')
      expect(log(oid, '%ae')).toBe('')
      expectPersonsAsGit(rev)
      expect(text(rev.date?.offsetBytes)).toBe(authorDate.split(' ')[1])
      expect(rev.date?.timestamp.seconds).toBe(Number(authorDate.split(' ')[0]!.replace('@', '')))
      expect(text(rev.committerDate?.offsetBytes)).toBe(committerDate.split(' ')[1])
      expectRegenerated(rev)
    }
  })

  it('an encoding header and a Latin-1 message', () => {
    const oid = gitRaw(
      ['-c', 'i18n.commitEncoding=ISO-8859-1', 'commit-tree', mktree('')],
      bytes('caf\xe9 cr\xe8me\n'),
    )
      .toString()
      .trim()
    const { rev } = convertCommit(oid)
    expect(log(oid, '%e')).toBe('ISO-8859-1')
    expect(rev.extraHeaders.map(([k, v]) => [text(k), text(v)])).toEqual([
      ['encoding', 'ISO-8859-1'],
    ])
    expect(text(rev.message)).toBe('caf\xe9 cr\xe8me\n')
    expectRegenerated(rev)
  })

  it('gpgsig, mergetag and other extra headers, continuation lines unescaped', () => {
    const tree = mktree('')
    const parent = commitTree([tree], 'parent\n')
    const who = 'Ada Lovelace <ada@example.org> 1700000000 +0200'
    const tag = `object ${parent}\ntype commit\ntag v1\ntagger ${who}\n\nv1\n`
    const sig =
      '-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----'
    const indent = (s: string): string => s.replace(/\n/g, '\n ')
    const oid = writeLiteral(
      repo,
      'commit',
      bytes(
        `tree ${tree}\nparent ${parent}\nauthor ${who}\ncommitter ${who}\n` +
          `mergetag ${indent(tag.replace(/\n$/, ''))}\nx-custom value with  two spaces\n` +
          `encoding UTF-8\ngpgsig ${indent(sig)}\n\nsigned, with a mergetag\n`,
      ),
    )
    const { rev } = convertCommit(oid)
    expectPersonsAsGit(rev)
    expect(rev.extraHeaders.map(([k, v]) => [text(k), text(v)])).toEqual([
      ['mergetag', tag.replace(/\n$/, '')],
      ['x-custom', 'value with  two spaces'],
      ['encoding', 'UTF-8'],
      ['gpgsig', sig],
    ])
    // git reads the same signature back out of the header.
    expect(log(oid, '%e')).toBe('UTF-8')
    expectRegenerated(rev)
  })

  it('-0000, an offset git would not write, a person without an email', () => {
    const tree = mktree('')
    const cases: [string, string, string | null, string | null][] = [
      // author value, committer value, offsets expected
      ['A <a@x> 1700000000 -0000', 'C <c@x> 1700000000 -0000', '-0000', '-0000'],
      ['A <a@x> 1700000000 +123456', 'C <c@x> 1700000000 +0060', '+123456', '+0060'],
      ['Someone 1700000000 +0000', 'C <> 1700000000 +0100', null, '+0100'],
    ]
    for (const [author, committer, authorOffset, committerOffset] of cases) {
      const oid = writeLiteral(
        repo,
        'commit',
        bytes(`tree ${tree}\nauthor ${author}\ncommitter ${committer}\n\nodd\n`),
      )
      const { rev, raw } = convertCommit(oid)
      // The person lines as git stores them.
      expect(raw.toString('latin1')).toContain(`\nauthor ${author}\ncommitter ${committer}\n`)
      if (authorOffset === null) {
        // No `<…>`: the whole value is the person, without a date.
        expect(text(rev.author?.fullname)).toBe(author)
        expect(rev.date).toBeNull()
      } else {
        expect(text(rev.author?.fullname)).toBe(author.slice(0, author.indexOf('>') + 1))
        expect(rev.date?.timestamp.seconds).toBe(Number(log(oid, '%at')))
        expect(text(rev.date?.offsetBytes)).toBe(authorOffset)
      }
      expect(text(rev.committer?.fullname)).toBe(committer.slice(0, committer.indexOf('>') + 1))
      expect(text(rev.committerDate?.offsetBytes)).toBe(committerOffset)
      if (rev.rawManifest === null) expectRegenerated(rev)
      else expect(Buffer.from(rev.rawManifest).subarray(-raw.length)).toEqual(raw)
    }
  })

  it('no message at all and an empty message are different', () => {
    const tree = mktree('')
    const who = 'A <a@x> 1700000000 +0000'
    const none = writeLiteral(
      repo,
      'commit',
      bytes(`tree ${tree}\nauthor ${who}\ncommitter ${who}\n`),
    )
    const empty = writeLiteral(
      repo,
      'commit',
      bytes(`tree ${tree}\nauthor ${who}\ncommitter ${who}\n\n`),
    )
    expect(none).not.toBe(empty)
    expect(convertCommit(none).rev.message).toBeNull()
    expect(convertCommit(empty).rev.message).toEqual(new Uint8Array(0))
    expectRegenerated(convertCommit(none).rev)
    expectRegenerated(convertCommit(empty).rev)
  })
})

describe('tagToRelease', () => {
  function convertTag(oid: string) {
    const raw = body('tag', oid)
    checkGitId('tag', oid, raw)
    const rel = tagToRelease(oid, raw)
    expect(rel.id).toBe(oid)
    expect(text(rel.message)).toBe(messageOf(raw))
    expect(rel.synthetic).toBe(false)
    return { rel, raw }
  }

  /** What `git for-each-ref` says of the tag ref `name`. */
  function refField(name: string, field: string): string {
    return gitRaw(['for-each-ref', `--format=%(${field})`, `refs/tags/${name}`])
      .toString('latin1')
      .replace(/\n$/, '')
  }

  const TYPES: Record<string, string> = {
    commit: 'revision',
    tree: 'directory',
    blob: 'content',
    tag: 'release',
  }

  it('annotated tags of a commit, a tree, a blob and a tag, as for-each-ref reads them', () => {
    const tree = mktree(`100644 blob ${blob('tagged\n')}\tf\0`)
    const commit = commitTree([tree], 'tagged\n')
    const file = blob('a tagged blob\n')
    git(repo, ['tag', '-a', 'on-commit', '-m', 'a release', commit])
    git(repo, ['tag', '-a', 'on-tree', '-m', 'a tree', tree])
    git(repo, ['tag', '-a', 'on-blob', '-m', 'a blob', file])
    git(repo, ['tag', '-a', 'on-tag', '-m', 'a tag of a tag', 'on-commit'], {
      env: { GIT_COMMITTER_DATE: '1700000000 +1400' },
    })
    for (const name of ['on-commit', 'on-tree', 'on-blob', 'on-tag']) {
      const oid = refField(name, 'objectname')
      const { rel } = convertTag(oid)
      expect(rel.target).toBe(refField(name, 'object'))
      expect(rel.targetType).toBe(TYPES[refField(name, 'type')])
      expect(text(rel.name)).toBe(refField(name, 'tag'))
      expect(text(rel.author?.fullname)).toBe(
        `${refField(name, 'taggername')} ${refField(name, 'taggeremail')}`,
      )
      const [seconds, offset] = refField(name, 'taggerdate:raw').split(' ')
      expect(rel.date?.timestamp).toEqual({ seconds: Number(seconds), microseconds: 0 })
      expect(text(rel.date?.offsetBytes)).toBe(offset)
      expect(rel.rawManifest).toBeNull()
      const { id: _id, ...fields } = rel
      void _id
      expect(makeRelease({ ...fields, target: fields.target! }).id).toBe(oid)
    }
    expect(text(convertTag(refField('on-tag', 'objectname')).rel.date?.offsetBytes)).toBe('+1400')
  })

  it('a message without a trailing newline, a signature kept in the message, no tagger', () => {
    const commit = commitTree([mktree('')], 'target\n')
    const who = 'T <t@x> 1700000000 -0000'
    const sig = '-----BEGIN PGP SIGNATURE-----\n\niQEz\n-----END PGP SIGNATURE-----\n'
    const noNewline = gitRaw(
      ['mktag'],
      bytes(`object ${commit}\ntype commit\ntag nonl\ntagger ${who}\n\nno newline`),
    )
      .toString()
      .trim()
    const signed = gitRaw(
      ['mktag'],
      bytes(`object ${commit}\ntype commit\ntag signed\ntagger ${who}\n\nsigned\n${sig}`),
    )
      .toString()
      .trim()
    const noTagger = writeLiteral(
      repo,
      'tag',
      bytes(`object ${commit}\ntype commit\ntag old\n\nfrom before taggers\n`),
    )
    const a = convertTag(noNewline).rel
    expect(text(a.message)).toBe('no newline')
    expect(text(a.date?.offsetBytes)).toBe('-0000')
    expect(text(a.author?.fullname)).toBe('T <t@x>')
    const b = convertTag(signed).rel
    expect(text(b.message)).toBe(`signed\n${sig}`)
    const c = convertTag(noTagger).rel
    expect(c.author).toBeNull()
    expect(c.date).toBeNull()
    expect(text(c.name)).toBe('old')
    expect(c.target).toBe(commit)
    for (const rel of [a, b, c]) {
      expect(rel.rawManifest).toBeNull()
      const { id: _id, ...fields } = rel
      void _id
      expect(makeRelease({ ...fields, target: fields.target! }).id).toBe(rel.id)
    }
  })
})

describe('treeToDirectory and parseTreeEntries', () => {
  /** `git ls-tree -z`: mode (octal), type, oid and name bytes of every entry, in tree order. */
  function lsTree(oid: string): { mode: number; type: string; oid: string; name: Buffer }[] {
    const out = gitRaw(['ls-tree', '-z', oid])
    const entries = []
    let i = 0
    while (i < out.length) {
      const nul = out.indexOf(0, i)
      const line = out.subarray(i, nul)
      const tab = line.indexOf(0x09)
      const [mode, type, id] = line.subarray(0, tab).toString('latin1').split(' ') as [
        string,
        string,
        string,
      ]
      entries.push({ mode: parseInt(mode, 8), type, oid: id, name: line.subarray(tab + 1) })
      i = nul + 1
    }
    return entries
  }

  const ENTRY_TYPES: Record<string, string> = { blob: 'file', tree: 'dir', commit: 'rev' }

  it('every mode git writes, and names that are not UTF-8', () => {
    const f = blob('file\n')
    const sub = mktree(`100644 blob ${f}\tinner\0`)
    const gitlink = 'c'.repeat(40)
    const oid = mktree(
      [
        `100644 blob ${f}\tREADME`,
        `100755 blob ${f}\trun.sh`,
        `120000 blob ${blob('README')}\tlink`,
        `040000 tree ${sub}\tsrc`,
        `160000 commit ${gitlink}\tvendor`,
        `100644 blob ${f}\tcaf\xe9.txt`,
        `100644 blob ${f}\t\xff\xfe`,
        `100644 blob ${f}\tsrc.c`,
      ].join('\0') + '\0',
    )
    const raw = body('tree', oid)
    checkGitId('tree', oid, raw)
    const git = lsTree(oid)
    expect(git).toHaveLength(8)
    expect(parseTreeEntries(oid, raw)).toEqual(
      git.map((e) => ({ mode: e.mode, name: e.name, oid: e.oid, paddedMode: false })),
    )
    const dir = treeToDirectory(oid, raw)
    expect(dir.id).toBe(oid)
    expect(dir.rawManifest).toBeNull()
    expect(dir.entries.map((e) => ({ ...e, name: Buffer.from(e.name) }))).toEqual(
      git.map((e) => ({ name: e.name, type: ENTRY_TYPES[e.type], perms: e.mode, target: e.oid })),
    )
    expect(dir.entries.map((e) => e.perms.toString(8))).toEqual(
      expect.arrayContaining(['100644', '100755', '120000', '40000', '160000']),
    )
    expect(makeDirectory({ entries: dir.entries }).id).toBe(oid)
    // The empty tree.
    const empty = mktree('')
    expect(empty).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904')
    expect(treeToDirectory(empty, body('tree', empty))).toEqual({
      id: empty,
      entries: [],
      rawManifest: null,
    })
  })

  /** A tree entry as git stores it: `<mode> <name>\0<20 bytes>`. */
  const entry = (mode: string, name: string, oid: string): Buffer =>
    Buffer.concat([bytes(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])

  it('trees git reads but does not write keep their bytes (padded mode, unsorted, duplicates)', () => {
    const f = blob('file\n')
    const sub = mktree(`100644 blob ${f}\tinner\0`)
    const written: Record<string, [string, string, string][]> = {
      padded: [
        ['100644', 'a', f],
        ['040000', 'b', sub],
      ],
      unsorted: [
        ['100644', 'z', f],
        ['100664', 'a', f],
      ],
      // In git's order (a directory sorts as its name and '/'), so only the names repeat.
      duplicate: [
        ['100644', 'dup', f],
        ['40000', 'dup', sub],
      ],
      apart: [
        ['100644', 'dup', f],
        ['100644', 'dup.c', f],
        ['40000', 'dup', sub],
      ],
    }
    const ids: Record<string, string> = {}
    for (const [label, entries] of Object.entries(written)) {
      const oid = writeLiteral(repo, 'tree', Buffer.concat(entries.map((e) => entry(...e))))
      ids[label] = oid
      const raw = body('tree', oid)
      const dir = treeToDirectory(oid, raw)
      expect(dir.id).toBe(oid)
      expect(dir.rawManifest, label).not.toBeNull()
      expect(Buffer.from(dir.rawManifest!)).toEqual(
        Buffer.concat([bytes(`tree ${raw.length}\0`), raw]),
      )
      // The entries as written (ls-tree shows names and ids in the same order; it prints
      // modes canonically, so the mode written is the reference).
      const parsed = parseTreeEntries(oid, raw)
      expect(parsed.map((e) => [e.mode.toString(8), text(e.name), e.oid])).toEqual(
        entries.map(([mode, name, id]) => [mode.replace(/^0/, ''), name, id]),
      )
      expect(parsed.map((e) => e.paddedMode)).toEqual(entries.map(([m]) => m.startsWith('0')))
      expect(parsed.map((e) => [Buffer.from(e.name), e.oid])).toEqual(
        lsTree(oid).map((e) => [e.name, e.oid]),
      )
    }
    const { padded, unsorted, duplicate, apart } = ids as Record<
      'padded' | 'unsorted' | 'duplicate' | 'apart',
      string
    >
    // A zero-padded mode is read as the number it writes.
    expect(
      treeToDirectory(padded, body('tree', padded)).entries.map((e) => [
        text(e.name),
        e.perms.toString(8),
        e.type,
      ]),
    ).toEqual([
      ['a', '100644', 'file'],
      ['b', '40000', 'dir'],
    ])
    // Entries in manifest order; the non-canonical 100664 kept as found.
    expect(
      treeToDirectory(unsorted, body('tree', unsorted)).entries.map((e) => [
        text(e.name),
        e.perms.toString(8),
      ]),
    ).toEqual([
      ['a', '100664'],
      ['z', '100644'],
    ])
    // One duplicate keeps the name (the directory), the other gets `_<10 hex of its target>`.
    expect(
      treeToDirectory(duplicate, body('tree', duplicate)).entries.map((e) => [
        text(e.name),
        e.type,
      ]),
    ).toEqual([
      ['dup', 'dir'],
      [`dup_${f.slice(0, 10)}`, 'file'],
    ])
    expect(
      treeToDirectory(apart, body('tree', apart)).entries.map((e) => [text(e.name), e.type]),
    ).toEqual([
      ['dup.c', 'file'],
      ['dup', 'dir'],
      [`dup_${f.slice(0, 10)}`, 'file'],
    ])
  })

  it('a malformed tree is corrupt', () => {
    const f = blob('x\n')
    const good = entry('100644', 'a', f)
    for (const bad of [good.subarray(0, good.length - 1), bytes('100644 a'), bytes('10x644 a\0')])
      expect(() => parseTreeEntries('0'.repeat(40), bad)).toThrow(/malformed|bad mode/)
  })
})

describe('checkGitId', () => {
  it("accepts git's bytes and names the hash of anything else", () => {
    const oid = blob('checked\n')
    checkGitId('blob', oid, body('blob', oid))
    const altered = bytes('checkeD\n')
    const computed = gitRaw(['hash-object', '-t', 'blob', '--stdin'], altered).toString().trim()
    expect(() => checkGitId('blob', oid, altered)).toThrow(
      expect.objectContaining({ code: 'corrupt', details: { oid, computed } }) as Error,
    )
    // The type is part of what is hashed.
    expect(() => checkGitId('commit', oid, body('blob', oid))).toThrow(/corrupt/)
  })
})
