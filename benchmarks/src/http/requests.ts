import type { HttpRequestSpec, HttpScenario } from './types.js'

/** A scenario's request as a list: one entry, or the mix each connection sends in turn. */
export function requestList (request: HttpScenario['request']): readonly HttpRequestSpec[] {
  return Array.isArray(request) ? request : [request as HttpRequestSpec]
}

/** `GET /`, or `GET /, GET /dep in turn` for a mix, as reports print it. */
export function describeRequests (request: HttpScenario['request']): string {
  const list = requestList(request).map((r) => `\`${r.method ?? 'GET'} ${r.path}\``)
  return list.length === 1 ? list[0] as string : `${list.join(', ')} in turn on each connection`
}
