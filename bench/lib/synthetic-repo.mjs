// A deterministic synthetic git repository for benchmarks (git fast-import): COMMITS commits
// of FILES changed C files each, a topic branch every 50 commits, one annotated tag.
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'

/** Creates the bare repository `repo` (replacing it). */
export function generateRepo({ repo, commits: COMMITS, files: FILES, env }) {
  console.log(`generating ${COMMITS} commits × ${FILES} files in ${repo} …`)
  rmSync(repo, { recursive: true, force: true })
  mkdirSync(dirname(repo), { recursive: true })
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', repo], { env })
  const parts = []
  let state = 42
  const rand = (n) => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) % n
  }
  for (let i = 0; i < COMMITS; i++) {
    const branch = i % 50 === 49 ? `refs/heads/topic-${i}` : 'refs/heads/main'
    parts.push(
      `commit ${branch}`,
      `mark :${i + 1}`,
      `author A <a@example.org> ${1600000000 + i * 60} +0100`,
      `committer C <c@example.org> ${1600000000 + i * 60} +0100`,
    )
    const msg = `commit ${i}: ${'change '.repeat(1 + (i % 5))}`
    parts.push(`data ${Buffer.byteLength(msg)}`, msg)
    if (branch !== 'refs/heads/main' && i > 0) parts.push(`from :${i}`)
    for (let f = 0; f < FILES; f++) {
      const path = `src/m${rand(40)}/sub${rand(8)}/file${rand(60)}.c`
      const content = `/* ${i}.${f} */\n` + `int v${i}_${f} = ${rand(1e6)};\n`.repeat(1 + rand(30))
      parts.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content)
    }
    parts.push('')
    if (branch !== 'refs/heads/main') parts.push(`reset refs/heads/main`, `from :${i}`, '')
  }
  parts.push('tag v1', 'from :1', 'tagger T <t@example.org> 1600000000 +0000', 'data 3', 'v1', '')
  execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], {
    input: parts.join('\n') + '\n',
    env,
    maxBuffer: 1 << 30,
  })
  execFileSync('git', ['-C', repo, 'gc', '-q', '--aggressive'], { env })
}
