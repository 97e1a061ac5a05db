import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ZeroDowntimeUnknownUpstreamError } from './errors.js'
import { parseReadinessProxyOptions, type ReadinessProxyOptions, type Upstream } from './options.js'

// Hop-by-hop headers are per connection: never forwarded by a proxy (RFC 9110, 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

function endToEnd (headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value
  return out
}

export interface UpstreamStats {
  /** Responses relayed from this upstream. */
  served: number
  /** Responses relayed after `markSignal()` was called for this upstream. */
  servedAfterSignal: number
  /** Of those, how many carried `Connection: close`. */
  connectionCloseAfterSignal: number
  /** Failed upstream exchanges by error code (ECONNRESET, ECONNREFUSED, EPIPE, ...). */
  errors: Record<string, number>
}

interface State extends Upstream {
  routable: boolean
  ready: boolean
  removal: NodeJS.Timeout | undefined
  signalled: boolean
  stats: UpstreamStats
}

/**
 * A small readiness-aware HTTP proxy standing in for a load balancer: it polls each upstream's
 * readiness path, routes round-robin to routable ones, and reuses upstream connections through
 * a keep-alive agent (the case that turns into resets when an instance closes them badly).
 * Upstream failures answer 502 and are counted by error code; nothing is retried.
 */
export class ReadinessProxy {
  readonly #states: State[]
  readonly #readinessPath: string
  readonly #pollIntervalMs: number
  readonly #propagationDelayMs: number
  readonly #host: string
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  readonly #server: http.Server
  #next = 0
  #poller: NodeJS.Timeout | undefined
  /** Requests answered 503 because no upstream was routable. */
  noUpstream = 0

  /** Validates `options` (`HL_ZERO_DOWNTIME_INVALID_OPTION`); nothing runs until `listen()`. */
  constructor (options: ReadinessProxyOptions) {
    const o = parseReadinessProxyOptions(options)
    this.#states = o.upstreams.map((u) => ({
      ...u,
      routable: false,
      ready: false,
      removal: undefined,
      signalled: false,
      stats: { served: 0, servedAfterSignal: 0, connectionCloseAfterSignal: 0, errors: {} }
    }))
    this.#readinessPath = o.readinessPath
    this.#pollIntervalMs = o.pollIntervalMs
    this.#propagationDelayMs = o.propagationDelayMs
    this.#host = o.host
    this.#server = http.createServer((req, res) => this.#forward(req, res))
  }

  /** Starts polling and listening; resolves with the proxy's port. */
  async listen (): Promise<number> {
    await this.pollOnce()
    this.#poller = setInterval(() => { this.pollOnce() }, this.#pollIntervalMs)
    await new Promise<void>((resolve) => this.#server.listen(0, this.#host, resolve))
    return (this.#server.address() as AddressInfo).port
  }

  /** What the proxy counted for one upstream (`HL_ZERO_DOWNTIME_UNKNOWN_UPSTREAM` for a name it was not given). */
  stats (name: string): UpstreamStats {
    return this.#state(name).stats
  }

  /** Whether the proxy routes to this upstream now. */
  routable (name: string): boolean {
    return this.#state(name).routable
  }

  /** From now on, count what this upstream serves as "after the signal". */
  markSignal (name: string): void {
    this.#state(name).signalled = true
  }

  async close (): Promise<void> {
    clearInterval(this.#poller)
    for (const s of this.#states) clearTimeout(s.removal)
    this.#agent.destroy()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  /** Polls every upstream once (fresh connection each time, like a kubelet probe). */
  async pollOnce (): Promise<void> {
    await Promise.all(this.#states.map(async (s) => this.#setReady(s, await this.#probe(s))))
  }

  #probe (s: State): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get({ host: s.host, port: s.port, path: this.#readinessPath, agent: false, timeout: 1000 }, (res) => {
        res.resume()
        resolve(res.statusCode === 200)
      })
      req.on('timeout', () => req.destroy())
      req.on('error', () => resolve(false))
    })
  }

  #setReady (s: State, ready: boolean): void {
    if (ready === s.ready) return
    s.ready = ready
    clearTimeout(s.removal)
    if (ready) {
      s.routable = true
    } else {
      s.removal = setTimeout(() => { s.routable = false }, this.#propagationDelayMs)
    }
  }

  #pick (): State | undefined {
    for (let i = 0; i < this.#states.length; i++) {
      const s = this.#states[(this.#next + i) % this.#states.length] as State
      if (s.routable) {
        this.#next = (this.#next + i + 1) % this.#states.length
        return s
      }
    }
    return undefined
  }

  #forward (req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = this.#pick()
    if (target === undefined) {
      this.noUpstream++
      res.writeHead(503, { 'retry-after': '1' }).end('no ready upstream')
      return
    }
    const upstream = http.request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: this.#agent
    }, (upRes) => {
      target.stats.served++
      if (target.signalled) {
        target.stats.servedAfterSignal++
        if (upRes.headers.connection === 'close') target.stats.connectionCloseAfterSignal++
      }
      res.writeHead(upRes.statusCode as number, endToEnd(upRes.headers))
      upRes.on('error', (err: NodeJS.ErrnoException) => this.#fail(target, res, err))
      upRes.pipe(res)
    })
    upstream.on('error', (err: NodeJS.ErrnoException) => this.#fail(target, res, err))
    req.pipe(upstream)
  }

  /** Counts a failed upstream exchange: 502 if nothing was sent yet, else cut the client off too. */
  #fail (target: State, res: http.ServerResponse, err: NodeJS.ErrnoException): void {
    /* c8 ignore next -- Node sets a code on every socket error; the message is a fallback */
    const code = err.code ?? err.message
    target.stats.errors[code] = (target.stats.errors[code] ?? 0) + 1
    if (res.headersSent) res.destroy()
    else res.writeHead(502, { 'x-upstream-error': code }).end()
  }

  #state (name: string): State {
    const s = this.#states.find((x) => x.name === name)
    if (s === undefined) throw new ZeroDowntimeUnknownUpstreamError(name, this.#states.map((x) => x.name).join(', '))
    return s
  }
}
