/**
 * The registry-facts helpers against Python itself: dates as swh-model reads them
 * (`datetime.fromisoformat`, UTC when naive), Python's `str(datetime)`, LooseVersion order
 * (distutils), and ExtID manifests hashed by python3 hashlib.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { toHex } from '../../model/index.js'
import { cratesManifest } from '../crates/plan.js'
import { npmManifest } from '../npm/plan.js'
import { isoTimestamp, pythonDatetimeStr } from './dates.js'
import { compareLooseVersion } from './loose-version.js'

const py = (code: string, input: unknown): unknown =>
  JSON.parse(
    execFileSync('python3', ['-W', 'ignore', '-c', code], {
      input: JSON.stringify(input),
    }).toString(),
  )

const DATES = [
  '2019-12-19T10:47:30.123Z',
  '2019-01-01T10:00:00',
  '2016-03-21T10:20:30+01:00',
  '2022-08-31T22:11:43.155470+00:00',
  '2001-02-03T04:05:06-05:30',
  '2023-07-01T00:00:00.000001Z',
]

describe('package registry facts, checked by python3', () => {
  it('reads ISO 8601 dates as swh-model does (seconds, microseconds, offset)', () => {
    const expected = py(
      `import sys, json, datetime
out = []
for s in json.load(sys.stdin):
    d = datetime.datetime.fromisoformat(s.replace('Z', '+00:00'))
    if d.tzinfo is None: d = d.replace(tzinfo=datetime.timezone.utc)
    off = int(d.utcoffset().total_seconds() // 60)
    sign = '-' if off < 0 else '+'
    out.append([int(d.timestamp() // 1), d.microsecond, '%s%02d%02d' % (sign, abs(off) // 60, abs(off) % 60), str(d)])
print(json.dumps(out))`,
      DATES,
    ) as [number, number, string, string][]
    DATES.forEach((s, i) => {
      const t = isoTimestamp(s)
      const [sec, us, off, str] = expected[i]!
      expect([
        t.timestamp.seconds,
        t.timestamp.microseconds,
        Buffer.from(t.offsetBytes).toString(),
      ]).toEqual([sec, us, off])
      expect(pythonDatetimeStr(s)).toBe(str)
    })
    expect(isoTimestamp(DATES[0]!, { dropMicroseconds: true }).timestamp.microseconds).toBe(0)
  })

  it('orders versions as LooseVersion does', () => {
    const versions = ['1.10.0', '1.9.2', '1.9.10', '0.1', '2.0.0-1', '2.0.0', '1.0a', '1.0b2', '10']
    const expected = py(
      `import sys, json
from distutils.version import LooseVersion
print(json.dumps(sorted(json.load(sys.stdin), key=LooseVersion)))`,
      versions,
    )
    expect([...versions].sort(compareLooseVersion)).toEqual(expected)
  })

  it('hashes the npm and crates ExtID manifests as python3 hashlib does', () => {
    const npm = {
      date: '2019-12-19T10:47:30.123Z',
      name: '@arca/left-pad',
      shasum: '0123456789abcdef0123456789abcdef01234567',
      url: 'http://127.0.0.1:1/@arca/left-pad/-/left-pad-1.0.0.tgz',
      version: '1.0.0',
    }
    const crate = {
      name: 'hello',
      sha256: 'ab'.repeat(32),
      url: 'https://static.crates.io/crates/hello/hello-0.1.0.crate',
      version: '0.1.0',
      lastUpdate: '2022-08-31T22:11:43.155470+00:00',
    }
    const expected = py(
      `import sys, json, hashlib, string, datetime
a, b = json.load(sys.stdin)
npm = string.Template("date $date\\nname $package_name\\nshasum $shasum\\nurl $url\\nversion $version").substitute(
    date=a['date'], package_name=a['name'], shasum=a['shasum'], url=a['url'], version=a['version'])
lu = datetime.datetime.fromisoformat(b['lastUpdate'])
crates = string.Template("name $name\\nshasum $sha256\\nurl $url\\nversion $version\\nlast_update $last_update").substitute(
    name=b['name'], sha256=b['sha256'], url=b['url'], version=b['version'], last_update=str(lu))
print(json.dumps([hashlib.sha256(npm.encode()).hexdigest(), hashlib.sha256(crates.encode()).hexdigest()]))`,
      [npm, crate],
    ) as [string, string]
    expect(toHex(createHash('sha256').update(npmManifest(npm)).digest())).toBe(expected[0])
    expect(toHex(createHash('sha256').update(cratesManifest(crate)).digest())).toBe(expected[1])
  })
})
