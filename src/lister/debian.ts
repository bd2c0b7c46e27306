/**
 * A Debian-style archive (a mirror URL, its suites and components): for each suite and
 * component, the source index `dists/<suite>/<component>/source/Sources.xz`, else `Sources.gz`, else
 * the plain `Sources`, a file of RFC 822 stanzas (Debian policy §5.5),
 * one per source package; each `Package:` is listed as `deb://<distribution>/packages/<name>`
 * with visit type `deb`, as Software Heritage's Debian lister does. One page per suite and
 * component. The lister URL carries them: `http://deb.debian.org/debian/?suites=bookworm,trixie
 * &components=main,contrib&distribution=Debian` (defaults: suite `stable`, component `main`,
 * distribution `Debian`). Every run lists everything (indices have no change cursor).
 *
 * @module
 */

import { CorruptError, InvalidInputError } from '../errors.js'
import { decompressDocument } from '../net/index.js'
import type { ListedOriginInit } from '../scheduler/index.js'
import type { ListerHttp } from './http.js'
import type { Lister, ListerPage, ListerState } from './interface.js'

const NAME = /^[a-z0-9][a-z0-9+.-]+$/

/** The source package names of a Sources index, in order, each once. */
export function sourcePackages(text: string): string[] {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const m = /^Package:[ \t]*(\S+)[ \t]*$/i.exec(line.replace(/\r$/, ''))
    if (!m) continue
    if (!NAME.test(m[1]!)) throw new CorruptError(`invalid source package name "${m[1]}"`)
    names.add(m[1]!)
  }
  return [...names]
}

const list = (v: string | null, dflt: string): string[] =>
  (v ?? dflt)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')

/** The lister of a Debian-style archive. */
export class DebianLister implements Lister {
  readonly type = 'debian'
  readonly url: string
  readonly mirror: string
  readonly suites: readonly string[]
  readonly components: readonly string[]
  readonly distribution: string

  constructor(url: string) {
    let u: URL
    try {
      u = new URL(url)
    } catch {
      throw new InvalidInputError(`"${url}" is not a URL`)
    }
    const p = u.searchParams
    this.suites = list(p.get('suites'), 'stable')
    this.components = list(p.get('components'), 'main')
    this.distribution = p.get('distribution') ?? 'Debian'
    for (const part of [...this.suites, ...this.components, this.distribution])
      if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?$/.test(part))
        throw new InvalidInputError(`Invalid suite, component or distribution "${part}"`)
    this.mirror = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`
    this.url =
      `${this.mirror}/?suites=${this.suites.join(',')}&components=${this.components.join(',')}` +
      `&distribution=${this.distribution}`
  }

  initialState(): ListerState {
    return { index: 0 }
  }

  resumeAfterComplete(): ListerState {
    return this.initialState()
  }

  async page(state: ListerState, http: ListerHttp): Promise<ListerPage> {
    const index = Number(state['index'] ?? 0)
    const suite = this.suites[Math.floor(index / this.components.length)]
    const component = this.components[index % this.components.length]
    if (suite === undefined || component === undefined) return { origins: [], next: null }
    const base = `${this.mirror}/dists/${suite}/${component}/source/Sources`
    let text: string | null = null
    // Sources.xz (what mirrors publish now, often alone), else Sources.gz, else Sources
    for (const format of ['xz', 'gz'] as const) {
      const got = await http.getBytes(`${base}.${format}`, { allowNotFound: true })
      if (got === null) continue
      text = (await decompressDocument(got.body, format, `${base}.${format}`)).toString('utf8')
      break
    }
    if (text === null) {
      const plain = await http.getBytes(base, { allowNotFound: true })
      if (plain === null)
        throw new CorruptError(`${base}(.xz|.gz): no source index for ${suite}/${component}`)
      text = Buffer.from(plain.body).toString('utf8')
    }
    const origins: ListedOriginInit[] = sourcePackages(text).map((name) => ({
      url: `deb://${this.distribution}/packages/${name}`,
      visitType: 'deb',
    }))
    const last = index + 1 >= this.suites.length * this.components.length
    return { origins, next: last ? null : { index: index + 1 } }
  }
}
