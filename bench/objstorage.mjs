#!/usr/bin/env node
process.env.UV_THREADPOOL_SIZE ??= '16'
// Benchmark: the content stores alone, in the same run: the file store (one fsynced file per
// content) and the pack store (compressed entries, one fsync per batch). Each store runs in its
// own child process (so peak RSS is its own): add N contents in batches of 1000 (durable), then
// read them all back verified. The contents are real source files (TypeScript's lib and Arca's
// src/, cycled with a counter line so every one is distinct). Prints contents/s written and
// read, bytes on disk and peak RSS for each store.
//
// Usage: npm run bench:objstorage [-- --contents N --stores files,pack]
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    contents: { type: 'string', default: '50000' },
    stores: { type: 'string', default: 'files,pack' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '..', '.bench') },
    child: { type: 'string' },
  },
})
const N = Number(opts.contents)

function corpus() {
  const files = []
  const walk = (d) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n)
      const s = statSync(p)
      if (s.isDirectory()) walk(p)
      else if (s.size < 256 << 10) files.push(readFileSync(p))
    }
  }
  const root = resolve(import.meta.dirname, '..')
  walk(join(root, 'src'))
  walk(join(root, 'node_modules', 'typescript', 'lib'))
  return files
}

function duBytes(dir) {
  return Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0])
}

async function child(kind) {
  const { FsObjStorage, PackObjStorage } = await import('../dist/objstorage/index.js')
  const root = join(opts.dir, `objstorage-${kind}`)
  rmSync(root, { recursive: true, force: true })
  const store = kind === 'pack' ? new PackObjStorage({ root }) : new FsObjStorage({ root })
  await store.open()
  const base = corpus()
  const ids = []
  let raw = 0
  let writeMs = 0
  for (let i = 0; i < N; i += 1000) {
    const batch = []
    for (let k = i; k < Math.min(N, i + 1000); k++) {
      const data = Buffer.concat([base[k % base.length], Buffer.from(`\n// ${k}\n`)])
      const id = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex')
      batch.push({ id, data })
      ids.push(id)
      raw += data.length
    }
    const t = performance.now()
    await store.addBatch(batch)
    writeMs += performance.now() - t
  }
  const t = performance.now()
  for (const id of ids) await store.getBytes(id, { verify: true })
  const readMs = performance.now() - t
  await store.close()
  const disk = duBytes(root)
  rmSync(root, { recursive: true, force: true })
  process.stdout.write(
    JSON.stringify({
      kind,
      contents: N,
      rawMB: raw / 1e6,
      writePerS: Math.round(N / (writeMs / 1000)),
      readPerS: Math.round(N / (readMs / 1000)),
      diskMB: disk / 1e6,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  )
}

if (opts.child) {
  await child(opts.child)
} else {
  console.log(`content stores, ${N} contents (real source files), batches of 1000, fsync on`)
  console.log('store   write/s   read+verify/s   raw MB   disk MB   peak RSS MB')
  for (const kind of opts.stores.split(',')) {
    const out = execFileSync(
      process.execPath,
      [import.meta.filename, '--child', kind, '--contents', String(N), '--dir', opts.dir],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const r = JSON.parse(out.trim().split('\n').pop())
    console.log(
      `${r.kind.padEnd(6)} ${String(r.writePerS).padStart(9)} ${String(r.readPerS).padStart(15)} ${r.rawMB.toFixed(1).padStart(8)} ${r.diskMB.toFixed(1).padStart(9)} ${String(r.peakRssMB).padStart(13)}`,
    )
  }
}
