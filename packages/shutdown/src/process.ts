import closeWithGrace from 'close-with-grace'
import type { FastifyBaseLogger } from 'fastify'
import type { ShutdownController } from './controller.js'
import type { ShutdownParams } from './options.js'

type CwgEvent = NonNullable<closeWithGrace.Options['skip']>[number]

// Every signal close-with-grace would listen to: we listen to signals ourselves, because its
// second-signal path always exits 1, and we need "second SIGINT exits 130, second SIGTERM
// skips the drain delay". close-with-grace keeps the crash path, beforeExit and the exit code.
const CWG_SIGNALS: CwgEvent[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'SIGTERM']
const CWG_ERRORS: CwgEvent[] = ['uncaughtException', 'unhandledRejection']

export interface ProcessHandle {
  uninstall: () => void
}

/** Installs close-with-grace and the signal listeners; undefined when both lists are empty. */
export function installProcessHandlers (controller: ShutdownController, params: ShutdownParams, log: FastifyBaseLogger): ProcessHandle | undefined {
  if (params.signals.length === 0 && params.crashEvents.length === 0) return undefined

  let reason = 'start()'
  const cwg = closeWithGrace({
    delay: false, // our own hard deadline, armed at the start of the sequence, replaces it
    logger: false, // we log through fastify.log
    skip: [...CWG_SIGNALS, ...CWG_ERRORS.filter((e) => !params.crashEvents.includes(e as never))],
    onSecondError (err) {
      log.fatal({ err }, 'shutdown: another error while shutting down, exiting with code 1')
    }
  }, async ({ err, manual }) => {
    let report
    if (err !== undefined) {
      log.fatal({ err }, 'shutdown: uncaught error, taking the crash path (exit code 1)')
      report = await controller.execute('crash', 'crash')
    } else if (manual === true) {
      report = await controller.execute(reason, 'graceful')
    } else {
      report = await controller.execute('beforeExit', 'cleanup')
    }
    // Only reached when the exit function returned: let close-with-grace exit with the same code.
    if (report.exitCode !== 0) throw new Error(`shutdown ended with exit code ${report.exitCode}`)
  })

  controller.launcher = (r) => {
    reason = r
    cwg.close()
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.started) {
      log.info({ signal }, `shutdown: ${signal} received`)
      controller.start(signal)
    } else if (signal === 'SIGINT') {
      log.warn({ signal }, 'shutdown: second SIGINT, exiting now with code 130')
      params.exit(130)
    } else {
      controller.skipDrainDelay(signal)
    }
  }
  for (const signal of params.signals) process.on(signal, onSignal)

  return {
    uninstall () {
      cwg.uninstall()
      for (const signal of params.signals) process.removeListener(signal, onSignal)
    }
  }
}
