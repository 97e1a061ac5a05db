import t from 'tap'
import { redact } from '../src/redact.js'

t.test('redact strips credentials, addresses, names and stacks', async (t) => {
  const cases: Array<[unknown, string]> = [
    [new Error('connect ECONNREFUSED 127.0.0.1:6379'), 'connect ECONNREFUSED [redacted]'],
    ['getaddrinfo ENOTFOUND redis-master.prod.svc.cluster.local', 'getaddrinfo ENOTFOUND [redacted]'],
    ['password authentication failed for user "orders"', 'password authentication failed for user "[redacted]"'],
    ['database \'orders_prod\' does not exist', 'database \'[redacted]\' does not exist'],
    ['url postgres://app:s3cret@10.0.0.1:5432/db failed', 'url [redacted] failed'],
    ['redis://:s3cret@cache:6379', '[redacted]'],
    ['login with password=s3cret user: bob token=abc', 'login with password=[redacted] user: [redacted] token=[redacted]'],
    ['host=db.internal port=5432', 'host=[redacted] port=5432'],
    ['mail admin@example.com now', 'mail [redacted] now'],
    ['connect ECONNREFUSED ::1:6379', 'connect ECONNREFUSED [redacted]'],
    ['connect ECONNREFUSED [fe80::1]:5432', 'connect ECONNREFUSED [redacted]'],
    ['dial localhost:6379 failed', 'dial [redacted] failed'],
    ['Health check timed out after 500 ms', 'Health check timed out after 500 ms'],
    [new Error('first line\n    at secret (/srv/app/db.js:1:1)'), 'first line'],
    ['', 'unknown error'],
    [42, '42'],
    [null, 'null'],
    ['x'.repeat(500), `${'x'.repeat(199)}…`]
  ]
  for (const [input, expected] of cases) t.equal(redact(input), expected, String(input).slice(0, 60))
})
