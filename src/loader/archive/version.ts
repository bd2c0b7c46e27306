/**
 * What a single tarball URL tells of its package: the version in its file name
 * (`hello-2.12.1.tar.gz` → `2.12.1`), after the archive extension is taken off.
 *
 * @module
 */

/** Archive extensions, longest first. */
export const ARCHIVE_EXTENSIONS = [
  '.tar.gz',
  '.tar.bz2',
  '.tar.xz',
  '.tar.zst',
  '.tar.zstd',
  '.tar.lz',
  '.tar.Z',
  '.tgz',
  '.tbz2',
  '.tbz',
  '.txz',
  '.tar',
  '.zip',
  '.crate',
] as const

/** Whether a file name ends with an archive extension. */
export function hasArchiveExtension(name: string): boolean {
  const lower = name.toLowerCase()
  return ARCHIVE_EXTENSIONS.some((e) => lower.endsWith(e.toLowerCase()))
}

/** The file name without its archive extension. */
export function stripArchiveExtension(name: string): string {
  const lower = name.toLowerCase()
  const ext = ARCHIVE_EXTENSIONS.find((e) => lower.endsWith(e.toLowerCase()))
  return ext ? name.slice(0, name.length - ext.length) : name
}

/**
 * The version a tarball's file name carries: what follows the last `-` or `_` that is
 * followed by a digit (a leading `v` dropped); the whole stem when there is none.
 */
export function versionFromFilename(name: string): string {
  const stem = stripArchiveExtension(name)
  const m = /^.*?[-_]v?(\d[^/]*)$/.exec(stem)
  return m ? m[1]! : stem
}
