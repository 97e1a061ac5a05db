import t from 'tap'
import { Redis } from 'ioredis'
import { startRedis } from '@highload/testing'
import { redisTokenStore } from '../src/index.js'

t.test('redisTokenStore keeps the highest token per key, with its TTL, on a real Redis', async (t) => {
  const server = await startRedis({ reuseExternal: false })
  t.teardown(() => server.close())
  const redis = new Redis(server.url)
  t.teardown(() => redis.disconnect())
  const store = redisTokenStore(redis)

  t.equal(await store.get('user-1'), null, 'nothing stored yet')
  await store.set('user-1', '0/3000060', 30_000)
  t.equal(await store.get('user-1'), '0/3000060')
  t.equal(await redis.get('hl:lsn:user-1'), '0/3000060', 'under the default prefix')

  await store.set('user-1', '0/3000010', 30_000)
  t.equal(await store.get('user-1'), '0/3000060', 'an older token never replaces a newer one')
  await store.set('user-1', '1/10', 30_000)
  t.equal(await store.get('user-1'), '1/10', 'the high word counts first: 1/10 is past 0/3000060')
  await store.set('user-1', 'A/0', 30_000)
  await store.set('user-1', '9/FFFFFFFF', 30_000)
  t.equal(await store.get('user-1'), 'A/0', 'compared as numbers, not as text')

  await redis.set('hl:lsn:user-2', 'garbage')
  await store.set('user-2', '0/1', 30_000)
  t.equal(await store.get('user-2'), '0/1', 'a malformed stored value is replaced')

  await store.set('user-3', '0/5', 50)
  const ttl = await redis.pttl('hl:lsn:user-3')
  t.ok(ttl > 0 && ttl <= 50, `the token expires (${ttl} ms left)`)
  await store.set('user-3', '0/4', 60_000)
  t.ok(await redis.pttl('hl:lsn:user-3') > 50, 'an older token still extends the TTL of the newer one')

  const prefixed = redisTokenStore(redis, { prefix: 'app:' })
  await prefixed.set('u', '0/1', 1000)
  t.equal(await redis.get('app:u'), '0/1')
})
