import { createError, type FastifyErrorConstructor } from '@fastify/error'

/** The constructor of a package's invalid-option error: `new E(path, shownValue, expected)`. */
export type InvalidOptionErrorConstructor<C extends string = string> =
  FastifyErrorConstructor<{ code: C, statusCode: 500 }, [string, string, string]>

/**
 * The invalid-option error of one package, with the suite's one message shape:
 * `Invalid @highload/<pkg> option <dotted.path>: got <value>, expected <what>`.
 * A `TypeError` with status 500: a bad option is a bug in the app, found at registration.
 */
export function invalidOptionError<C extends string> (code: C, packageName: string): InvalidOptionErrorConstructor<C> {
  return createError<C, 500, [string, string, string]>(
    code,
    `Invalid ${packageName} option %s: got %s, expected %s`,
    500,
    TypeError
  )
}
