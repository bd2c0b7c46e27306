/**
 * The worker's side of the vault: the `vault-cook` handler cooks a queued bundle into the
 * archive's bundle cache (`<dataDir>/vault`), through the masking layers, reporting progress
 * to the task. Errors a retry cannot fix (missing, masked, bad arguments) kill the task at
 * once.
 *
 * @module
 */

import { errorMessage } from '../errors.js'
import { parseCoreSwhid } from '../model/index.js'
import { TaskFailure, type TaskHandler } from '../scheduler/index.js'
import { type Archive, maskedView } from '../storage/index.js'
import {
  archiveVault,
  permanentCookError,
  type Vault,
  VAULT_TASK_KIND,
  vaultTaskArgs,
} from '../vault/index.js'

/** The vault of an archive as the public sees it (masked view), without a queue. */
export function publicVault(archive: Archive): Vault {
  const view = maskedView(archive)
  return archiveVault({
    storage: view.storage,
    objstorage: view.objstorage,
    dataDir: archive.dataDir,
  })
}

/** The `vault-cook` task handler over `vault`. */
export function vaultHandlers(vault: Vault): Record<string, TaskHandler> {
  return {
    [VAULT_TASK_KIND]: async (task, ctx) => {
      try {
        const { bundleType, swhid } = vaultTaskArgs(task.args)
        if (!vault.has(bundleType))
          throw new TaskFailure(`The ${bundleType} bundle type is not available`, { retry: false })
        const state = await vault.cookNow(bundleType, parseCoreSwhid(swhid), {
          signal: ctx.signal,
          progress: (message) => ctx.progress({ message }),
          taskId: task.id,
          final: task.lease.attempt >= task.lease.maxAttempts,
        })
        return { bundleType, swhid, size: state.size }
      } catch (e) {
        if (e instanceof TaskFailure) throw e
        if (permanentCookError(e)) throw new TaskFailure(errorMessage(e), { retry: false })
        throw e
      }
    },
  }
}
