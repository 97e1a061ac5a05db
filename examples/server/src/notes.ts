import type { FastifyInstance } from 'fastify'

const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())'

/**
 * Notes, to show @highload/replicas: a write on the primary whose response carries the
 * read-your-writes token (`x-pg-lsn`), and a read that a replica serves once it has replayed that
 * token (the primary otherwise). `servedBy` is the port of the server that answered, so a reader can
 * see the routing; it is not something a real API would return.
 */
export function notesRoutes (app: FastifyInstance): void {
  // Readiness stays off until the table exists; a database that refuses marks the process broken.
  app.health.addStartupTask(async () => { await app.db.write(CREATE_TABLE) })

  app.post<{ Body: { body: string } }>('/notes', {
    schema: {
      body: {
        type: 'object',
        required: ['body'],
        additionalProperties: false,
        properties: { body: { type: 'string', minLength: 1, maxLength: 10_000 } }
      }
    }
  }, async (request, reply) => {
    const { rows } = await request.db.write<{ id: string, body: string }>(
      'INSERT INTO notes (body) VALUES ($1) RETURNING id, body', [request.body.body])
    return reply.code(201).send(rows[0])
  })

  app.get<{ Params: { id: string } }>('/notes/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,18}$' } } } }
  }, async (request, reply) => {
    const { rows } = await request.db.read<{ id: string, body: string, servedBy: number }>(
      'SELECT id, body, inet_server_port() AS "servedBy" FROM notes WHERE id = $1', [request.params.id])
    if (rows.length === 0) return reply.code(404).send({ error: 'not found' })
    return rows[0]
  })
}
