/**
 * The OpenAPI 3 document of `/api/1`, generated from the route table (so every route is
 * documented, and nothing that is not served is).
 *
 * @module
 */

import type { RouteDef } from './api/routes.js'

const ERROR_SCHEMA = {
  type: 'object',
  properties: { exception: { type: 'string' }, reason: { type: 'string' } },
  required: ['exception', 'reason'],
}

/** The OpenAPI document for `routes`, served from `base`. */
export function openApiDocument(
  routes: readonly RouteDef[],
  base: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${r.docPath.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: (r.params ?? []).map((p) => ({
        name: p.name,
        in: p.in,
        required: p.in === 'path' ? true : p.required === true,
        description: p.description,
        schema: { type: p.type ?? 'string' },
      })),
      'x-rate-limit-scope': r.scope,
      responses: {
        '200': {
          description: 'Success',
          content: r.produces
            ? { [r.produces]: { schema: { type: 'string', format: 'binary' } } }
            : { 'application/json': {}, 'application/yaml': {}, 'text/html': {} },
        },
        '400': {
          description: 'Bad input',
          content: { 'application/json': { schema: ERROR_SCHEMA } },
        },
        '403': {
          description: 'Forbidden or masked',
          content: { 'application/json': { schema: ERROR_SCHEMA } },
        },
        '404': {
          description: 'Not found',
          content: { 'application/json': { schema: ERROR_SCHEMA } },
        },
        '429': {
          description: 'Throttled',
          content: { 'application/json': { schema: ERROR_SCHEMA } },
        },
        '503': {
          description: 'Storage unavailable',
          content: { 'application/json': { schema: ERROR_SCHEMA } },
        },
      },
    }
    if (r.body) {
      op['requestBody'] = {
        required: true,
        description: r.body,
        content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } },
      }
      ;(op['responses'] as Record<string, unknown>)['413'] = {
        description: 'Payload too large',
        content: { 'application/json': { schema: ERROR_SCHEMA } },
      }
    }
    paths[r.docPath] = { ...(paths[r.docPath] ?? {}), [r.method.toLowerCase()]: op }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Arca Web API',
      version: '1',
      description:
        "Software Heritage compatible API of an Arca archive node. Conventions: trailing slashes; JSON by default, YAML and HTML by Accept; `fields=` keeps top-level keys; errors are {exception, reason}; Link headers page long lists; rate limits are reported in X-RateLimit-* headers; authenticate with 'Authorization: Bearer <token>'.",
    },
    servers: [{ url: `${base}/api/1` }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    paths,
  }
}
