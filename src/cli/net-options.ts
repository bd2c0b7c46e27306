/**
 * The operator's settings for loads made on someone's request (the worker, the server's Save
 * Code Now, `arca save --restrict-network`): the networks allowed although special
 * (`--allow-network CIDR`, repeatable, or `ARCA_ALLOW_NETWORKS`, comma- or space-separated)
 * and the per-visit limits (`--time-limit SECONDS` or `ARCA_TIME_LIMIT`, `--max-fetch-size
 * SIZE` or `ARCA_MAX_FETCH_SIZE`). Flags win over the environment. See docs/security.md.
 *
 * @module
 */

import { type Command, InvalidArgumentError } from 'commander'

import { InvalidInputError } from '../errors.js'
import { type NetPolicy, parseNetwork, parseNetworkList } from '../net/index.js'
import { parseSeconds, parseSize } from './units.js'

/** Flags added by {@link addNetOptions}. */
export interface NetFlags {
  allowNetwork?: string[]
  timeLimit?: number
  maxFetchSize?: number
}

/** The limits of each visit, as `LoadOptions` take them. */
export interface VisitLimitOptions {
  readonly timeLimitMs?: number
  readonly maxFetchBytes?: number
}

function network(v: string, previous: string[] | undefined): string[] {
  try {
    return [...(previous ?? []), parseNetwork(v)]
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message)
  }
}

/** Adds `--allow-network`, `--time-limit` and `--max-fetch-size` to a command. */
export function addNetOptions(cmd: Command): Command {
  return cmd
    .option(
      '--allow-network <cidr>',
      'A network that loads made on request may reach although private, loopback or otherwise ' +
        'special, e.g. 10.1.0.0/16 (repeatable; env ARCA_ALLOW_NETWORKS, comma-separated; default none).',
      network,
    )
    .option(
      '--time-limit <seconds>',
      'Stop a visit after this long, ending it failed (env ARCA_TIME_LIMIT; default none).',
      parseSeconds,
    )
    .option(
      '--max-fetch-size <size>',
      'Stop a visit receiving more than this from the source, e.g. 2G (env ARCA_MAX_FETCH_SIZE; default none).',
      parseSize,
    )
}

/** The network policy from the flags, else the environment (an InvalidInputError if bad). */
export function netPolicy(flags: NetFlags, env: NodeJS.ProcessEnv = process.env): NetPolicy {
  if (flags.allowNetwork && flags.allowNetwork.length > 0)
    return { allowNetworks: flags.allowNetwork }
  return { allowNetworks: parseNetworkList(env['ARCA_ALLOW_NETWORKS'] ?? '') }
}

/** The per-visit limits from the flags, else the environment. */
export function visitLimits(
  flags: NetFlags,
  env: NodeJS.ProcessEnv = process.env,
): VisitLimitOptions {
  const seconds = flags.timeLimit ?? fromEnv(env, 'ARCA_TIME_LIMIT', parseSeconds)
  const bytes = flags.maxFetchSize ?? fromEnv(env, 'ARCA_MAX_FETCH_SIZE', parseSize)
  return {
    ...(seconds === undefined ? {} : { timeLimitMs: Math.round(seconds * 1000) }),
    ...(bytes === undefined ? {} : { maxFetchBytes: bytes }),
  }
}

function fromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  parse: (v: string) => number,
): number | undefined {
  const v = env[name]
  if (v === undefined || v.trim() === '') return undefined
  try {
    return parse(v)
  } catch (e) {
    throw new InvalidInputError(`${name}: ${(e as Error).message}`)
  }
}
