import t from 'tap'
import { Cluster } from 'ioredis'
import { existsSync } from 'node:fs'
import { startRedisCluster, codes } from '../src/index.js'

t.test('a 3-master Redis Cluster takes writes routed by ioredis Cluster', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.close())
  t.equal(cluster.nodes.length, 3)
  t.same(cluster.startupNodes, cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })))

  const client = new Cluster(cluster.startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } })
  t.teardown(() => client.disconnect())
  // keys spread over different slots, so different masters
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) await client.set(key, `v-${key}`)
  t.same(await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => client.get(k))), ['v-a', 'v-b', 'v-c', 'v-d', 'v-e', 'v-f'])
  const info = await client.cluster('INFO')
  t.match(info, /cluster_state:ok/)
  t.match(info, /cluster_known_nodes:3/)
  const owners = new Set<number>()
  for (const node of client.nodes('master')) {
    if (Number(await node.dbsize()) > 0) owners.add(node.options.port as number)
  }
  t.ok(owners.size > 1, 'the writes landed on more than one master')

  const dirs = cluster.nodes.map((n) => n.dir as string)
  await cluster.close()
  await cluster.close()
  for (const dir of dirs) t.notOk(existsSync(dir), 'node dir removed')
})

t.test('masters must be an integer >= 3', async (t) => {
  await t.rejects(startRedisCluster({ masters: 2 }), { code: codes.INVALID_ARGUMENT, message: /masters/ })
})
