// Real repositories for the benchmarks: `--repo PATH` (repeatable, or a comma list) names bare or
// non-bare git repositories on this machine; each is copied into the bench directory with
// `git clone --mirror --no-local` (once: a copy already there is reused), so that the archive is
// made from an ordinary mirror clone, never from the original, and the original is never written.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/** The `--repo` values (a `multiple` string option), split at commas, empty ones dropped. */
export function repoArgs(values) {
  return (Array.isArray(values) ? values : [values ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
}

/** A name for the clone of `path`: `/x/expressjs+express/repo` → `expressjs+express`. */
function cloneName(path) {
  const p = resolve(path)
  const base = basename(p).replace(/\.git$/, '')
  return ['repo', ''].includes(base) ? basename(dirname(p)) : base
}

/**
 * Mirror clones of `paths` under `dir/real/` (made when missing); returns their paths. A clone
 * that `git clone` cannot make (a source missing objects) is an error naming the source.
 */
export function cloneRepos(paths, dir, env) {
  const root = join(dir, 'real')
  mkdirSync(root, { recursive: true })
  return paths.map((src) => {
    const into = join(root, `${cloneName(src)}.git`)
    if (existsSync(join(into, 'HEAD')) && existsSync(join(into, '.bench-complete'))) return into
    execFileSync('rm', ['-rf', into])
    try {
      execFileSync('git', ['clone', '-q', '--mirror', '--no-local', resolve(src), into], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    } catch (e) {
      throw new Error(`git clone --mirror --no-local ${src} failed: ${e.stderr ?? e.message}`)
    }
    execFileSync('touch', [join(into, '.bench-complete')])
    return into
  })
}

/** The number of objects of a bare repository (git count-objects). */
export function objectCount(repo) {
  const out = execFileSync('git', ['-C', repo, 'count-objects', '-v'], { encoding: 'utf8' })
  const n = (k) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(out)?.[1] ?? 0)
  return n('count') + n('in-pack')
}

/** The load average (1, 5, 15 minutes) as printed. */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
}
