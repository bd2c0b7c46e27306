/**
 * `arca lister run TYPE URL [--token-env NAME]` lists a forge's repositories into the schedule
 * (resuming a stopped listing, incremental after a complete one); `arca lister list` shows the
 * lister instances: state, last run, origins found.
 *
 * @module
 */

import type { Command } from 'commander'

import { InvalidInputError } from '../../errors.js'
import {
  ForgeMetadataRecorder,
  forgeMetadataStorage,
  type Lister,
  LISTER_TYPES,
  ListerHttp,
  ListerStore,
  makeLister,
  runLister,
  UrlListLister,
} from '../../lister/index.js'
import { probeVisitType, redactUserinfo, visitTypes } from '../../loader/index.js'
import { type NetPolicy } from '../../net/index.js'
import { SaveRequestStore, SqlVisitScheduler } from '../../scheduler/index.js'
import type { SqlDatabase } from '../../storage/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { addNetOptions, type NetFlags, netPolicy } from '../net-options.js'
import { withArchive } from '../open.js'
import { writeErr, writeOut } from '../output.js'

type RunFlags = ArchiveFlags & NetFlags & { tokenEnv?: string; baseGitUrl?: string }
type ListFlags = ArchiveFlags & { json?: boolean }

/** The url-list lister of `file`: each line checked as Save Code Now checks a request. */
function urlList(
  file: string,
  policy: NetPolicy,
  db: SqlDatabase,
  rejected: { n: number },
): Lister {
  return new UrlListLister(file, {
    visitTypes: visitTypes(),
    policy,
    unauthorized: async () => {
      const store = new SaveRequestStore(db)
      await store.open()
      return store.prefixes('unauthorized')
    },
    detect: (url) => probeVisitType(url, AbortSignal.timeout(60_000), policy),
    onReject: (r) => {
      rejected.n++
      writeErr(`${file}:${r.line}: rejected ${redactUserinfo(r.text)}: ${r.reason}\n`)
    },
  })
}

const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString())

/** Registers `lister`. */
export function registerLister(program: Command): void {
  const lister = program
    .command('lister')
    .summary(
      "List a forge's repositories, a registry's packages or a file of URLs into the schedule.",
    )
    .description(
      "List a forge's repositories into the schedule, page by page. The lister's state is " +
        'saved after every page, so a killed run resumes where it stopped, and a run after a ' +
        'complete one asks only for what is new (docs/listers.md).',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca lister run github https://api.github.com --token-env GITHUB_TOKEN\n' +
        '  $ arca lister run gitlab https://gitlab.com\n  $ arca lister list',
    )
  addNetOptions(
    addArchiveOptions(
      lister
        .command('run')
        .summary('Run a lister to the end of its listing (resuming where it stopped).')
        .description(
          'Run a lister to the end of its listing, writing every page of origins to the ' +
            'schedule and saving its state after each page; exits 2 naming the error when a ' +
            'page still fails after the retries.',
        )
        .argument(
          '<type>',
          `The forge or registry type: ${[...LISTER_TYPES, 'url-list'].join(', ')}.`,
        )
        .argument(
          '<url>',
          'The API base URL (GitHub, Bitbucket), the instance URL (GitLab, Gitea, Forgejo), ' +
            "a user's page (SourceHut, https://git.sr.ht/~user), the index page (cgit, gitweb, " +
            'hgweb), the registry URL (npm: a _changes URL or a registry base URL; PyPI; ' +
            'crates.io), a Debian mirror URL with ?suites=…&components=… (docs/listers.md), or ' +
            'the file of URLs (url-list).',
        )
        .option('--token-env <name>', 'Read the API token from this environment variable.')
        .option(
          '--base-git-url <url>',
          'Web front-ends (cgit, gitweb): clone URLs are this base followed by each repository path.',
        )
        .addHelpText(
          'after',
          '\nExamples:\n  $ arca lister run github https://api.github.com --token-env GITHUB_TOKEN\n' +
            '  $ arca lister run gitlab https://gitlab.example.org\n' +
            '  $ arca lister run forgejo https://codeberg.org\n' +
            '  $ arca lister run sourcehut https://git.sr.ht/~sircmpwn --token-env SRHT_TOKEN\n' +
            '  $ arca lister run cgit https://git.example.org/cgit/\n' +
            '  $ arca lister run url-list urls.txt\n' +
            '  $ arca lister run npm https://replicate.npmjs.com/_changes\n' +
            '  $ arca lister run pypi https://pypi.org\n' +
            '  $ arca lister run debian "http://deb.debian.org/debian/?suites=bookworm&components=main"',
        ),
    ),
  ).action(async (type: string, url: string, flags: RunFlags) => {
    const forge =
      type === 'url-list'
        ? null
        : makeLister(type, url, flags.baseGitUrl ? { baseGitUrl: flags.baseGitUrl } : {})
    const rejected = { n: 0 }
    let token: string | undefined
    if (flags.tokenEnv !== undefined) {
      token = process.env[flags.tokenEnv]
      if (!token) throw new InvalidInputError(`--token-env: ${flags.tokenEnv} is not set`)
    }
    const http = new ListerHttp({
      policy: netPolicy(flags),
      ...(token
        ? { token, authScheme: ['github', 'gitea', 'forgejo'].includes(type) ? 'token' : 'Bearer' }
        : {}),
    })
    try {
      await withArchive(flags, null, async (archive) => {
        const visits = new SqlVisitScheduler(archive.backend.db)
        await visits.open()
        const store = new ListerStore(archive.backend.db)
        const l = forge ?? urlList(url, netPolicy(flags), archive.backend.db, rejected)
        const metadata = new ForgeMetadataRecorder(forgeMetadataStorage(archive), l)
        const r = await runLister(l, { http, store, visits, metadata })
        const rej = type === 'url-list' ? `, ${rejected.n} line(s) rejected` : ''
        writeOut(
          `${type} ${l.url}: ${r.pages} page(s), ${r.origins} origin(s), ${r.added} new${rej}\n`,
        )
      })
    } finally {
      http.close()
    }
  })
  addArchiveOptions(
    lister
      .command('list')
      .summary('Show the lister instances: state, last run, origins found.')
      .description(
        'Show every lister instance: its type and URL, status, saved state, last run and the ' +
          'number of origins it found.',
      )
      .option('--json', 'Print one JSON object per line.')
      .addHelpText('after', '\nExamples:\n  $ arca lister list\n  $ arca lister list --json'),
  ).action(async (flags: ListFlags) => {
    await withArchive(flags, null, async (archive) => {
      const visits = new SqlVisitScheduler(archive.backend.db)
      await visits.open()
      for (const i of await new ListerStore(archive.backend.db).list()) {
        if (flags.json) writeOut(JSON.stringify(i) + '\n')
        else
          writeOut(
            `${i.type}\t${i.url}\t${i.status}\t${JSON.stringify(i.state)}\t${iso(i.lastRun)}\t${i.originsFound}\n`,
          )
      }
    })
  })
}
