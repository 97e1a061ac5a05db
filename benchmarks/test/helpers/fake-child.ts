import { EventEmitter } from 'node:events'

/** A stand-in for a forked child: IPC messages in with `reply()`, messages out recorded in `sent`. */
export class FakeChild extends EventEmitter {
  sent: unknown[] = []
  send (m: unknown): boolean {
    this.sent.push(m)
    return true
  }

  reply (m: unknown): void {
    this.emit('message', m)
  }
}
