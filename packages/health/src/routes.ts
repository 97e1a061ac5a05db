import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { buildDocument } from './document.js'
import type { HealthEngine, Probe, ProbeEvaluation, ProbeLine } from './engine.js'
import type { HealthParams } from './options.js'
import { redact } from './redact.js'

const PLAIN = 'text/plain; charset=utf-8'
const HEALTH_JSON = 'application/health+json; charset=utf-8'
const WITHHELD = 'reason withheld'

type Query = Record<string, string | string[] | undefined>

/** Whether the request may see (redacted) failure reasons. Fails closed. */
async function detailsAllowed (params: HealthParams, request: FastifyRequest, log: FastifyBaseLogger): Promise<boolean> {
  const rule = params.exposeDetails
  if (rule === 'never') return false
  if (rule === 'always') return true
  try {
    return (await rule(request)) === true
  } catch (error) {
    // the probe routes log at 'silent' by default, so report through the app logger
    log.warn({ reason: redact(error) }, 'exposeDetails threw; details withheld')
    return false
  }
}

function isVerbose (value: string | string[] | undefined): boolean {
  if (value === undefined) return false
  const last = Array.isArray(value) ? value[value.length - 1] : value
  return last !== 'false' && last !== '0'
}

function parseExclude (value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null
  const names = new Set<string>()
  for (const item of Array.isArray(value) ? value : [value]) {
    for (const name of item.split(',')) if (name.length > 0) names.add(name)
  }
  return names
}

function formatLine (line: ProbeLine, details: boolean): string {
  const reason = details ? redact(line.reason) : WITHHELD
  switch (line.kind) {
    case 'ok': return `[+]${line.name} ok`
    case 'excluded': return `[+]${line.name} excluded: ok`
    case 'pending': return `${line.fails ? '[-]' : '[+]'}${line.name} pending`
    case 'warn': return `[+]${line.name} warn: ${reason}`
    default: return `[-]${line.name} failed: ${reason}`
  }
}

function hasReason (lines: readonly ProbeLine[]): boolean {
  return lines.some((line) => line.kind === 'failed' || line.kind === 'warn')
}

function listing (label: string, evaluation: ProbeEvaluation, details: boolean): string {
  let body = ''
  for (const line of evaluation.lines) body += `${formatLine(line, details)}\n`
  if (evaluation.unmatched.length > 0) {
    const names = evaluation.unmatched.map((name) => JSON.stringify(name)).join(', ')
    body += `warn: some health checks cannot be excluded: no matches for ${names}\n`
  }
  return `${body}${label} check ${evaluation.ok ? 'passed' : 'failed'}\n`
}

export function registerRoutes (fastify: FastifyInstance, engine: HealthEngine, params: HealthParams): void {
  const config = { rateLimit: false, metrics: false }
  const common = { logLevel: params.logLevel, config }

  const probe = (kind: Probe, path: string): void => {
    const label = kind === 'liveness' ? 'livez' : 'readyz'
    const failHeaders: Record<string, string> = kind === 'readiness' ? { 'retry-after': params.retryAfter } : {}

    async function detailed (request: FastifyRequest, reply: FastifyReply, exclude: Set<string> | null, verbose: boolean, now: number): Promise<FastifyReply> {
      const evaluation = engine.evaluate(kind, now, exclude)
      if (evaluation.ok && !verbose) return reply.send('ok')
      const details = hasReason(evaluation.lines) && await detailsAllowed(params, request, fastify.log)
      if (!evaluation.ok) reply.code(503).headers(failHeaders)
      return reply.send(listing(label, evaluation, details))
    }

    fastify.route({
      ...common,
      method: ['GET', 'HEAD'],
      url: `${params.prefix}${path}`,
      handler (request, reply) {
        const now = Date.now()
        engine.refresh(now)
        reply.header('cache-control', 'no-store').type(PLAIN)
        const query = request.query as Query
        const exclude = parseExclude(query.exclude)
        const verbose = isVerbose(query.verbose)
        // hot path: a passing probe without options reads one cached boolean
        if (exclude === null && !verbose && (kind === 'liveness' ? engine.live : engine.ready)) {
          return reply.send('ok')
        }
        return detailed(request, reply, exclude, verbose, now)
      }
    })

    fastify.route<{ Params: { check: string } }>({
      ...common,
      method: 'GET',
      url: `${params.prefix}${path}/:check`,
      async handler (request, reply) {
        const now = Date.now()
        engine.refresh(now)
        reply.header('cache-control', 'no-store').type(PLAIN)
        const line = engine.evaluate(kind, now, null).lines.find((l) => l.name === request.params.check)
        if (line === undefined) return reply.code(404).send(`no check named ${JSON.stringify(request.params.check)} in ${label}\n`)
        const details = hasReason([line]) && await detailsAllowed(params, request, fastify.log)
        if (line.kind !== 'ok') reply.code(503)
        return reply.send(`${formatLine(line, details)}\n`)
      }
    })
  }

  if (params.paths.liveness !== null) probe('liveness', params.paths.liveness)
  if (params.paths.readiness !== null) probe('readiness', params.paths.readiness)

  if (params.paths.health !== null) {
    fastify.route({
      ...common,
      method: 'GET',
      url: `${params.prefix}${params.paths.health}`,
      async handler (request, reply) {
        const now = Date.now()
        engine.refresh(now)
        const details = await detailsAllowed(params, request, fastify.log)
        const document = buildDocument(engine, params, now, details)
        return reply
          .code(document.status === 'fail' ? 503 : 200)
          .header('cache-control', 'no-store')
          .type(HEALTH_JSON)
          .send(JSON.stringify(document))
      }
    })
  }
}
