import type { FastifyInstance } from 'fastify'

interface CloseEvent { err?: Error, signal?: string }

/**
 * The close-with-grace callback: log why the process is closing, then close the app so every
 * plugin's onClose hook runs.
 */
export function closeApp (app: FastifyInstance): (event: CloseEvent) => Promise<void> {
  return async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'closing after a crash')
    else app.log.info({ signal }, 'closing')
    await app.close()
  }
}
