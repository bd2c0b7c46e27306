/**
 * `arca token create|list|revoke`: bearer tokens of the Web API.
 *
 * @module
 */

import type { Command } from 'commander'

import { TOKEN_SCOPES, TokenStore } from '../../web/index.js'
import { addArchiveOptions, type ArchiveFlags } from '../archive-options.js'
import { withArchive } from '../open.js'
import { writeOut } from '../output.js'

/** Registers `token`. */
export function registerToken(program: Command): void {
  const token = program.command('token').summary('manage Web API bearer tokens')
  addArchiveOptions(
    token
      .command('create')
      .description('create a token; its secret is printed once')
      .option('--name <name>', 'a label for the token', 'token')
      .option(
        '--scope <scope>',
        `scope (repeatable): ${TOKEN_SCOPES.join(', ')} (default api)`,
        (v: string, p: string[]) => [...p, v],
        [] as string[],
      )
      .option('--json', 'print JSON'),
  ).action(async (flags: ArchiveFlags & { name: string; scope: string[]; json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      const t = await new TokenStore(archive.backend.db).create(
        flags.name,
        flags.scope.length > 0 ? flags.scope : ['api'],
      )
      if (flags.json)
        writeOut(
          JSON.stringify({ id: t.id, secret: t.secret, scopes: t.info.scopes, name: t.info.name }) +
            '\n',
        )
      else writeOut(`${t.secret}\n`)
    })
  })
  addArchiveOptions(
    token
      .command('list')
      .description('list tokens (never their secrets)')
      .option('--json', 'print JSON lines'),
  ).action(async (flags: ArchiveFlags & { json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      for (const t of await new TokenStore(archive.backend.db).list()) {
        if (flags.json) writeOut(JSON.stringify(t) + '\n')
        else
          writeOut(
            `${t.id}\t${t.name}\t${t.scopes.join(',')}\t${t.created.toISOString()}\t${t.revoked ? `revoked ${t.revoked.toISOString()}` : 'active'}\n`,
          )
      }
    })
  })
  addArchiveOptions(
    token
      .command('revoke')
      .description('revoke a token by id')
      .argument('<id>', 'token id (see list)'),
  ).action(async (id: string, flags: ArchiveFlags) => {
    await withArchive(flags, null, async (archive) => {
      await new TokenStore(archive.backend.db).revoke(id)
      writeOut(`revoked ${id}\n`)
    })
  })
}
