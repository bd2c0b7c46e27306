/**
 * Where the archive lives, for every command that reads or writes it: `--data DIR` (or
 * `ARCA_DATA`, default `./arca-data`) holds the embedded store; `--storage URL` (or
 * `ARCA_STORAGE`) picks the graph backend (`sqlite:PATH`, default `<data>/graph.sqlite`, or
 * `postgres://…`); `--objstorage files|pack|s3://BUCKET[/PREFIX]` (or `ARCA_OBJSTORAGE`) the
 * content store of a new archive (an existing one keeps its own).
 *
 * @module
 */

import { resolve } from 'node:path'

import type { Command } from 'commander'

import type { S3Location } from '../objstorage/index.js'
import {
  type ContentStoreKind,
  DEFAULT_CONTENT_STORE,
  parseContentStoreKind,
  parseS3Url,
} from '../storage/index.js'

/** Default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = './arca-data'

/** Flags added by {@link addArchiveOptions}. */
export interface ArchiveFlags {
  data?: string
  storage?: string
  journal?: string
  objstorage?: string
}

/** Resolved archive location. */
export interface ArchiveLocation {
  /** Absolute data directory. */
  readonly dataDir: string
  /** Storage URL, or undefined for the default SQLite file inside the data directory. */
  readonly storageUrl: string | undefined
  /** Journal URL, or undefined for the embedded journal inside the data directory. */
  readonly journalUrl: string | undefined
  /** Content store asked for (a new archive's kind), or undefined for the default. */
  readonly contentStore: ContentStoreKind | undefined
  /** The bucket asked for with `s3://…` (server from ARCA_S3_ENDPOINT). */
  readonly s3: S3Location | undefined
}

/** Adds `--data`, `--storage`, `--journal` and `--objstorage` to a command. */
export function addArchiveOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', `Archive data directory (env ARCA_DATA, default ${DEFAULT_DATA_DIR}).`)
    .option(
      '--storage <url>',
      'Graph storage: sqlite:PATH or postgres://… (env ARCA_STORAGE, default sqlite in the data directory).',
    )
    .option(
      '--journal <url>',
      'Journal: embedded, embedded:PATH or nats://HOST:PORT[/PREFIX] (env ARCA_JOURNAL, default embedded in the data directory).',
    )
    .option(
      '--objstorage <kind>',
      `Content store of a new archive: files, pack, or s3://BUCKET[/PREFIX] (server ARCA_S3_ENDPOINT, credentials AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) (env ARCA_OBJSTORAGE, default ${DEFAULT_CONTENT_STORE}; an existing archive keeps its own, see arca objstorage migrate).`,
    )
}

/** The archive location from flags, then environment, then defaults. */
export function archiveLocation(
  flags: ArchiveFlags,
  env: NodeJS.ProcessEnv = process.env,
): ArchiveLocation {
  const data = flags.data ?? env['ARCA_DATA'] ?? DEFAULT_DATA_DIR
  const storage = flags.storage ?? env['ARCA_STORAGE']
  const journal = flags.journal ?? env['ARCA_JOURNAL']
  const objstorage = flags.objstorage ?? env['ARCA_OBJSTORAGE']
  return {
    dataDir: resolve(data),
    storageUrl: storage === '' ? undefined : storage,
    journalUrl: journal === '' ? undefined : journal,
    contentStore: objstorage ? parseContentStoreKind(objstorage) : undefined,
    s3: objstorage?.startsWith('s3://') ? parseS3Url(objstorage, env) : undefined,
  }
}
