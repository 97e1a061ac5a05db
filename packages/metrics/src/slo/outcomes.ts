import { list, custom, type Fail, type Rule } from '@highload/options'

/** A status class usable in `badStatus`. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

/** Which status codes are bad, as an SLO's `badStatus` option says it. */
export type BadStatus = ReadonlyArray<number | StatusClass> | ((statusCode: number) => boolean)

/** Pseudo status code of a request the client aborted before the response. */
export const ABORTED = 0
/** Pseudo status code of a request that hit the connection timeout. */
export const TIMEOUT = 1
/** Pseudo status code standing for a code outside 100-599 (only raw writes can produce one). */
export const INVALID = 2

function isStatus (value: unknown): boolean {
  return (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) ||
    (typeof value === 'string' && /^[1-5]xx$/.test(value))
}

const statusList = list(custom<number | StatusClass>('a status code from 100 to 599 or a class such as "5xx"', isStatus))
const BAD_STATUS_EXPECTED = 'an array of status codes and classes, or a function'

/**
 * The `badStatus` rule: a list of codes and classes, or a predicate. The kit has no union of
 * rules, so this one picks the list rule for arrays and takes a function as it is.
 */
export const badStatusRule: Rule<BadStatus | undefined> = {
  expected: BAD_STATUS_EXPECTED,
  documented: { kind: 'texts', texts: ["['5xx']"] },
  parse (value: unknown, path: string, fail: Fail) {
    if (value === undefined) return undefined
    if (typeof value === 'function') return value as (statusCode: number) => boolean
    if (!Array.isArray(value)) fail(path, value, BAD_STATUS_EXPECTED)
    return statusList.parse(value, path, fail)
  }
}

/**
 * The outcome table the recorder reads, 600 entries: at a status code, 1 when bad, 0 when good;
 * at the pseudo codes 0 (aborted) and 1 (timeout), 1 when bad and 2 when the event is left out of
 * the SLO. A predicate runs once per code (100-599), here, at registration.
 */
export function outcomeTable (badStatus: BadStatus | undefined, abortedIsBad: boolean, timeoutIsBad: boolean): Uint8Array {
  const table = new Uint8Array(600)
  if (badStatus === undefined) {
    table.fill(1, 500, 600)
  } else if (typeof badStatus === 'function') {
    for (let code = 100; code < 600; code++) table[code] = badStatus(code) === true ? 1 : 0
  } else {
    for (const entry of badStatus) {
      if (typeof entry === 'number') {
        table[entry] = 1
      } else {
        const base = Number(entry[0]) * 100
        table.fill(1, base, base + 100)
      }
    }
  }
  table[ABORTED] = abortedIsBad ? 1 : 2
  table[TIMEOUT] = timeoutIsBad ? 1 : 2
  table[INVALID] = 1
  return table
}
