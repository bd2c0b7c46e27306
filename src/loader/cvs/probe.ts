/**
 * Whether a URL is a CVS module, for `arca save` without `--type`: a local folder (or
 * `file://` URL) whose parent holds `CVSROOT`, or the `rsync://` and `pserver://` schemes
 * (rsync serves other things too, so an rsync URL is listed once to see a `CVSROOT` beside
 * the module).
 *
 * @module
 */

import { isCvsScheme, isLocalCvsModule, parseCvsUrl } from './origin.js'
import { rsyncRootUrl, runRsync } from './rsync.js'

export async function probeCvs(url: string, signal?: AbortSignal): Promise<boolean> {
  try {
    if (/^pserver:\/\//i.test(url)) return true
    const src = parseCvsUrl(url)
    if (src.scheme === 'file') return isLocalCvsModule(join(src.root, src.module))
    if (!isCvsScheme(url)) return false
    const list = await runRsync(['--timeout=10', '--contimeout=10', rsyncRootUrl(src)], signal)
    return list.code === 0 && /\sCVSROOT$/m.test(list.stdout.toString('latin1'))
  } catch {
    return false
  }
}

function join(a: string, b: string): string {
  return `${a}/${b}`
}
