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
  const token = program
    .command('token')
    .summary('Manage Web API bearer tokens.')
    .description(
      'Create, list and revoke the bearer tokens of the Web API (sent as "Authorization: Bearer ' +
        'SECRET"). Tokens live in the archive database; only a hash of each secret is kept.',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ arca token create --name ci --scope api\n  $ arca token list\n' +
        '  $ arca token revoke 5f1c0e9a2b7d',
    )
  addArchiveOptions(
    token
      .command('create')
      .summary('Create a token; its secret is printed once.')
      .description(
        'Create a token and print its secret, once: it cannot be shown again, only revoked.',
      )
      .option('--name <name>', 'A label for the token', 'token')
      .option(
        '--scope <scope>',
        `Scope to grant (repeatable): ${TOKEN_SCOPES.join(', ')} (default: api).`,
        (v: string, p: string[] | undefined) => [...(p ?? []), v],
      )
      .option('--json', 'Print the id, secret, scopes and name as JSON.')
      .addHelpText(
        'after',
        '\nExamples:\n  $ arca token create --name ci\n' +
          '  $ arca token create --name replica --scope mirror --json',
      ),
  ).action(async (flags: ArchiveFlags & { name: string; scope?: string[]; json?: boolean }) => {
    await withArchive(flags, null, async (archive) => {
      const t = await new TokenStore(archive.backend.db).create(flags.name, flags.scope ?? ['api'])
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
      .summary('List tokens (never their secrets).')
      .description(
        'List every token: id, name, scopes, creation date, and whether it is active or revoked (never its secret).',
      )
      .option('--json', 'Print one JSON object per line.')
      .addHelpText(
        'after',
        '\nExample:\n  $ arca token list\n  5f1c0e9a2b7d\tci\tapi\t2026-01-05T10:00:00.000Z\tactive',
      ),
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
      .summary('Revoke a token by id.')
      .description('Revoke a token by its id: from then on every request made with it is refused.')
      .argument('<id>', 'Token id (see arca token list).')
      .addHelpText('after', '\nExample:\n  $ arca token revoke 5f1c0e9a2b7d'),
  ).action(async (id: string, flags: ArchiveFlags) => {
    await withArchive(flags, null, async (archive) => {
      await new TokenStore(archive.backend.db).revoke(id)
      writeOut(`revoked ${id}\n`)
    })
  })
}
