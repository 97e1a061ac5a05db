// Failure reasons come from drivers and users; before a reason reaches a log line, an event or (when
// allowed) a response, strip everything that can identify infrastructure or carry a credential.
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // connection strings and URLs: redis://user:pass@host:6379/0, postgres://...
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, '[redacted]'],
  // key=value and key: value pairs that name a secret or a location
  [/\b(password|passwd|pwd|user(?:name)?|host(?:name)?|token|secret|api[_-]?key|auth)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;]+)/gi, '$1$2[redacted]'],
  // quoted identifiers: PostgreSQL quotes user, role and database names
  [/"[^"]*"/g, '"[redacted]"'],
  [/'[^']*'/g, '\'[redacted]\''],
  // user@host
  [/[^\s@]+@[^\s@]+/g, '[redacted]'],
  // IPv4 with an optional port
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '[redacted]'],
  // IPv6, optionally bracketed, with an optional port
  [/\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?::\d+)?/gi, '[redacted]'],
  // dotted host names with an optional port
  [/\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9](?::\d+)?\b/gi, '[redacted]'],
  // single-label host with a port: localhost:6379
  [/\b[a-z][a-z0-9-]*:\d{2,5}\b/gi, '[redacted]']
]

const MAX_LENGTH = 200

/** Returns a one-line, length-capped, redacted description of a failure (never a stack or a cause). */
export function redact (reason: unknown): string {
  let text: string
  if (reason instanceof Error) text = reason.message
  else if (typeof reason === 'string') text = reason
  else text = String(reason)
  text = (text.split('\n', 1)[0] as string).trim()
  for (const [pattern, replacement] of RULES) text = text.replace(pattern, replacement)
  if (text.length > MAX_LENGTH) text = `${text.slice(0, MAX_LENGTH - 1)}…`
  return text.length === 0 ? 'unknown error' : text
}
