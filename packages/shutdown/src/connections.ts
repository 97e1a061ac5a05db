import type { Server } from 'node:net'
import type { Socket } from 'node:net'

interface ClosableServer extends Server {
  closeIdleConnections?: () => void
}

/**
 * Tracks the sockets of the main server so that reaping and forcing can be counted:
 * Node's closeIdleConnections()/closeAllConnections() return nothing.
 */
export class ConnectionTracker {
  readonly #server: ClosableServer
  readonly #sockets = new Set<Socket>()
  readonly #onConnection = (socket: Socket): void => {
    this.#sockets.add(socket)
    socket.once('close', () => this.#sockets.delete(socket))
  }

  constructor (server: Server) {
    this.#server = server
    server.on('connection', this.#onConnection)
  }

  /** Sockets that are still open. */
  get open (): number {
    let n = 0
    for (const s of this.#sockets) if (!s.destroyed) n++
    return n
  }

  /** Closes sockets with no request in progress; returns how many it closed. */
  reapIdle (): number {
    return this.#count(() => this.#server.closeIdleConnections?.())
  }

  /**
   * Destroys every remaining socket, in-flight requests included; returns how many.
   * Our own socket list also covers what closeAllConnections() misses: HTTP/2 sessions
   * (on Node 20) and upgraded (WebSocket) sockets.
   */
  forceAll (): number {
    return this.#count(() => {
      for (const socket of this.#sockets) socket.destroy()
    })
  }

  stop (): void {
    this.#server.removeListener('connection', this.#onConnection)
  }

  #count (action: () => void): number {
    const before = this.open
    action()
    return before - this.open
  }
}
