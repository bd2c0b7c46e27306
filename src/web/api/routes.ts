/**
 * Every `/api/1` route, in the order they are registered (more specific paths before the
 * wildcards that would also match them) and documented. One module per resource holds the
 * handlers; `route.ts` the shape of a route.
 *
 * @module
 */

import { addForgeRoutes } from './add-forge.js'
import { citationRoutes, metadataSearchRoutes } from './citation.js'
import { codeSearchRoutes } from './code-search.js'
import { contentRoutes } from './content.js'
import { directoryRoutes } from './directory.js'
import { extidRoutes } from './extid.js'
import { graphRoutes } from './graph.js'
import { metadataRoutes } from './metadata.js'
import { originRoutes } from './origin.js'
import { pristineRoutes } from './pristine.js'
import { provenanceRoutes } from './provenance.js'
import { rawRoutes } from './raw.js'
import { releaseRoutes } from './release.js'
import { revisionRoutes } from './revision.js'
import type { RouteDef } from './route.js'
import { saveRoutes } from './save.js'
import { saveBulkRoutes } from './save-bulk.js'
import { saveWebhookRoutes } from './save-webhooks.js'
import { snapshotRoutes } from './snapshot.js'
import { statRoutes } from './stat.js'
import { swhidRoutes } from './swhid.js'
import { vaultRoutes } from './vault.js'

export { Links } from './links.js'
export type { ParamDoc, RouteDef } from './route.js'
export { WEBHOOK_FORGES } from './save-webhooks.js'
export { streamOf } from './stream.js'

/** Every route of `/api/1`. */
export function apiRoutes(): RouteDef[] {
  return [
    ...swhidRoutes,
    ...contentRoutes,
    ...directoryRoutes,
    ...revisionRoutes,
    ...releaseRoutes,
    ...snapshotRoutes,
    ...rawRoutes,
    ...saveWebhookRoutes,
    ...saveBulkRoutes,
    ...saveRoutes,
    ...metadataSearchRoutes,
    ...codeSearchRoutes,
    ...addForgeRoutes,
    ...originRoutes,
    ...statRoutes,
    ...extidRoutes,
    ...metadataRoutes,
    ...pristineRoutes,
    ...provenanceRoutes,
    ...citationRoutes,
    ...vaultRoutes,
    ...graphRoutes,
  ]
}
