import t from 'tap'
import { Classifier, type Kind } from '../src/classifier.js'

await Classifier.load()

/** Functions as a primary's pg_proc would describe them (true: IMMUTABLE or STABLE in every overload). */
const PG_PROC: Array<[string, string, boolean]> = [
  ...['now', 'count', 'sum', 'max', 'min', 'avg', 'lower', 'upper', 'length', 'date_trunc', 'jsonb_build_object',
    'array_agg', 'string_agg', 'to_char', 'abs', 'round', 'extract', 'row_number', 'rank', 'generate_series',
    'unnest', 'md5', 'concat', 'substring', 'json_agg', 'coalesce_fn', 'date_part', 'to_jsonb', 'jsonb_agg',
    'array_length', 'current_setting', 'pg_last_wal_replay_lsn', 'pg_is_in_recovery', 'format', 'trim', 'btrim',
    'replace', 'split_part', 'left', 'right', 'age', 'to_timestamp', 'lag', 'lead', 'bool_and', 'ceil', 'floor',
    'similar_to_escape']
    .map((name): [string, string, boolean] => ['pg_catalog', name, true]),
  ...['pg_sleep', 'setseed', 'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_switch_wal',
    'random', 'clock_timestamp', 'gen_random_uuid', 'nextval', 'pg_advisory_lock', 'set_config', 'txid_current',
    'pg_notify', 'pg_stat_reset', 'timeofday']
    .map((name): [string, string, boolean] => ['pg_catalog', name, false]),
  ['app', 'get_user', true],
  ['app', 'touch_user', false],
  ['public', 'get_user', true],
  ['other', 'get_user', false],
  ['app', 'stable_fn', true]
]

function classifier (extra: { readOnlyFunctions?: string[], writeFunctions?: string[] } = {}): Classifier {
  const c = new Classifier({
    readOnlyFunctions: extra.readOnlyFunctions ?? [],
    writeFunctions: extra.writeFunctions ?? [],
    cacheSize: 100,
    maxParseBytes: 16384
  })
  c.setVolatility(PG_PROC.map(([schema, name, safe]) => ({ schema, name, safe })))
  return c
}

// [sql, kind, reason]
const R: Kind = 'read'
const W: Kind = 'write'
const U: Kind = 'unknown'
const TABLE: Array<[string, Kind, string]> = [
  // plain reads
  ['SELECT 1', R, 'read-only'],
  ['select 1', R, 'read-only'],
  ['  \n\tSELECT 1', R, 'read-only'],
  ['/* leading comment */ SELECT 1', R, 'read-only'],
  ['-- line comment\nSELECT 1', R, 'read-only'],
  ['SELECT * FROM users', R, 'read-only'],
  ['SELECT * FROM users WHERE id = $1', R, 'read-only'],
  ['SELECT id, name FROM users WHERE id = ANY($1::int[])', R, 'read-only'],
  ['SELECT * FROM users u JOIN orders o ON o.user_id = u.id', R, 'read-only'],
  ['SELECT * FROM users LEFT JOIN orders USING (id)', R, 'read-only'],
  ['SELECT count(*) FROM users', R, 'read-only'],
  ['SELECT count(*), max(id), min(id), avg(id), sum(id) FROM users', R, 'read-only'],
  ['SELECT now()', R, 'read-only'],
  ['SELECT pg_catalog.now()', R, 'read-only'],
  ['SELECT CURRENT_TIMESTAMP', R, 'read-only'],
  ['SELECT current_date, current_user', R, 'read-only'],
  ['SELECT lower(name) FROM users', R, 'read-only'],
  ['SELECT upper(name), length(name) FROM users', R, 'read-only'],
  ['SELECT date_trunc(\'day\', created_at) FROM events', R, 'read-only'],
  ['SELECT jsonb_build_object(\'a\', 1)', R, 'read-only'],
  ['SELECT array_agg(id) FROM users', R, 'read-only'],
  ['SELECT string_agg(name, \',\') FROM users', R, 'read-only'],
  ['SELECT to_char(now(), \'YYYY\')', R, 'read-only'],
  ['SELECT abs(-1), round(1.5), ceil(1.2), floor(1.8)', R, 'read-only'],
  ['SELECT extract(year FROM now())', R, 'read-only'],
  ['SELECT row_number() OVER (ORDER BY id) FROM users', R, 'read-only'],
  ['SELECT rank() OVER (PARTITION BY team ORDER BY score) FROM scores', R, 'read-only'],
  ['SELECT lag(x) OVER w, lead(x) OVER w FROM t WINDOW w AS (ORDER BY x)', R, 'read-only'],
  ['SELECT * FROM generate_series(1, 10)', R, 'read-only'],
  ['SELECT unnest(ARRAY[1,2,3])', R, 'read-only'],
  ['SELECT md5(\'x\'), concat(\'a\', \'b\')', R, 'read-only'],
  ['SELECT substring(name FROM 1 FOR 3) FROM users', R, 'read-only'],
  ['SELECT json_agg(u) FROM users u', R, 'read-only'],
  ['SELECT COALESCE(name, \'x\') FROM users', R, 'read-only'],
  ['SELECT NULLIF(a, b) FROM t', R, 'read-only'],
  ['SELECT GREATEST(a, b), LEAST(a, b) FROM t', R, 'read-only'],
  ['SELECT CASE WHEN a > 1 THEN \'x\' ELSE \'y\' END FROM t', R, 'read-only'],
  ['SELECT a::text, b::int FROM t', R, 'read-only'],
  ['SELECT CAST(a AS text) FROM t', R, 'read-only'],
  ['SELECT * FROM t WHERE a IN (SELECT b FROM u)', R, 'read-only'],
  ['SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a)', R, 'read-only'],
  ['SELECT (SELECT max(id) FROM u) FROM t', R, 'read-only'],
  ['SELECT * FROM (SELECT * FROM t) sub', R, 'read-only'],
  ['SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.a = t.a) l', R, 'read-only'],
  ['WITH x AS (SELECT 1) SELECT * FROM x', R, 'read-only'],
  ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r', R, 'read-only'],
  ['WITH a AS (SELECT 1), b AS (SELECT * FROM a) SELECT * FROM b', R, 'read-only'],
  ['WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x', R, 'read-only'],
  ['SELECT 1 UNION SELECT 2', R, 'read-only'],
  ['SELECT 1 UNION ALL SELECT 2', R, 'read-only'],
  ['SELECT a FROM t INTERSECT SELECT a FROM u', R, 'read-only'],
  ['SELECT a FROM t EXCEPT SELECT a FROM u', R, 'read-only'],
  ['VALUES (1), (2)', R, 'read-only'],
  ['TABLE users', R, 'read-only'],
  ['SELECT DISTINCT a FROM t', R, 'read-only'],
  ['SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b', R, 'read-only'],
  ['SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1', R, 'read-only'],
  ['SELECT * FROM t ORDER BY a DESC NULLS LAST LIMIT 10 OFFSET 20', R, 'read-only'],
  ['SELECT * FROM t FETCH FIRST 5 ROWS ONLY', R, 'read-only'],
  ['SELECT * FROM t TABLESAMPLE SYSTEM (10)', R, 'read-only'],
  ['SELECT * FROM t WHERE a LIKE $1 AND b ILIKE $2', R, 'read-only'],
  ['SELECT * FROM t WHERE a BETWEEN 1 AND 2', R, 'read-only'],
  ['SELECT * FROM t WHERE a IS NOT NULL AND b IS DISTINCT FROM c', R, 'read-only'],
  ['SELECT * FROM t WHERE doc @> \'{"a":1}\'::jsonb', R, 'read-only'],
  ['SELECT doc->>\'a\', doc#>\'{a,b}\' FROM t', R, 'read-only'],
  ['SELECT ARRAY[1,2] || 3', R, 'read-only'],
  ['SELECT ROW(1, 2)', R, 'read-only'],
  ['SELECT $1::int + $2::int', R, 'read-only'],
  ['SELECT \'FOR UPDATE\' AS text_not_a_clause', R, 'read-only'],
  ['SELECT \'INSERT INTO t VALUES (1)\'', R, 'read-only'],
  ['SELECT "delete" FROM "update"', R, 'read-only'],
  ['SELECT 1 -- ; DELETE FROM t', R, 'read-only'],
  ['SELECT 1 /* ; DROP TABLE t */', R, 'read-only'],
  ['SELECT format(\'%s\', 1), trim(\' a \'), replace(\'a\', \'a\', \'b\')', R, 'read-only'],
  ['SELECT split_part(\'a,b\', \',\', 1), left(\'ab\', 1), right(\'ab\', 1)', R, 'read-only'],
  ['SELECT age(now()), to_timestamp(0)', R, 'read-only'],
  ['SELECT bool_and(a) FROM t', R, 'read-only'],
  ['SELECT current_setting(\'search_path\')', R, 'read-only'],
  ['SELECT pg_is_in_recovery()', R, 'read-only'],
  ['SELECT pg_last_wal_replay_lsn()', R, 'read-only'],
  ['SELECT pg_last_xact_replay_timestamp()', R, 'read-only'],
  ['SELECT random()', R, 'read-only'],
  ['SELECT * FROM t ORDER BY random() LIMIT 1', R, 'read-only'],
  ['SELECT clock_timestamp()', R, 'read-only'],
  ['SELECT gen_random_uuid()', R, 'read-only'],
  ['SELECT app.get_user(1)', R, 'read-only'],
  ['SELECT public.get_user(1)', R, 'read-only'],
  ['SELECT app.stable_fn()', R, 'read-only'],
  ['SELECT stable_fn()', R, 'read-only'],
  ['SELECT * FROM app.get_user(1)', R, 'read-only'],
  ['SELECT * FROM t WHERE a = (SELECT max(a) FROM t)', R, 'read-only'],
  ['SELECT count(*) FILTER (WHERE a > 1) FROM t', R, 'read-only'],
  ['SELECT a FROM t WHERE a = ANY (SELECT b FROM u)', R, 'read-only'],
  ['SELECT * FROM t1 NATURAL JOIN t2', R, 'read-only'],
  ['SELECT * FROM t1 CROSS JOIN t2', R, 'read-only'],
  ['SELECT * FROM t1 FULL OUTER JOIN t2 ON t1.a = t2.a', R, 'read-only'],
  ['SELECT EXISTS (SELECT 1)', R, 'read-only'],
  ['SELECT 1;', R, 'read-only'],
  ['SELECT * FROM "Users" WHERE "Id" = 1', R, 'read-only'],
  ['SELECT E\'\\n\', $$dollar$$, B\'101\'', R, 'read-only'],
  ['SELECT * FROM t AS OF_THE_TABLE', R, 'read-only'],
  ['SELECT xmlelement(name a, 1)', R, 'read-only'],
  ['SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3))', R, 'read-only'],
  ['SELECT INTERVAL \'1 day\'', R, 'read-only'],
  ['SELECT a COLLATE "C" FROM t', R, 'read-only'],
  ['SELECT * FROM t WHERE a SIMILAR TO \'x%\'', R, 'read-only'],
  ['SELECT * FROM t WHERE (a, b) = (1, 2)', R, 'read-only'],
  ['SELECT 1 WHERE false', R, 'read-only'],
  ['(SELECT 1) UNION (SELECT 2) ORDER BY 1', R, 'read-only'],
  ['SELECT * FROM t GROUP BY ROLLUP (a, b)', R, 'read-only'],
  ['SELECT * FROM t GROUP BY GROUPING SETS ((a), (b))', R, 'read-only'],

  // locking clauses (pgcat#750, #887)
  ['SELECT * FROM t FOR UPDATE', W, 'locking-clause'],
  ['SELECT * FROM t FOR NO KEY UPDATE', W, 'locking-clause'],
  ['SELECT * FROM t FOR SHARE', W, 'locking-clause'],
  ['SELECT * FROM t FOR KEY SHARE', W, 'locking-clause'],
  ['SELECT * FROM jobs WHERE state = $1 LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED', W, 'locking-clause'],
  ['SELECT * FROM t FOR UPDATE NOWAIT', W, 'locking-clause'],
  ['SELECT * FROM t FOR UPDATE OF t SKIP LOCKED', W, 'locking-clause'],
  ['SELECT * FROM (SELECT * FROM t FOR UPDATE) s', W, 'locking-clause'],
  ['WITH x AS (SELECT * FROM t FOR UPDATE) SELECT * FROM x', W, 'locking-clause'],
  ['SELECT * FROM t WHERE a IN (SELECT a FROM u FOR SHARE)', W, 'locking-clause'],
  ['select * from t for update', W, 'locking-clause'],
  ['/* hi */ SELECT * FROM t FOR UPDATE', W, 'locking-clause'],

  // INTO
  ['SELECT * INTO new_table FROM t', W, 'select-into'],
  ['SELECT * INTO TEMP new_table FROM t', W, 'select-into'],
  ['SELECT a INTO UNLOGGED t2 FROM t', W, 'select-into'],

  // data-modifying CTEs (pgcat#829)
  ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', W, 'data-modifying-cte'],
  ['WITH x AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM x', W, 'data-modifying-cte'],
  ['WITH x AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM x', W, 'data-modifying-cte'],
  ['WITH a AS (SELECT 1), b AS (DELETE FROM t RETURNING 1) SELECT * FROM a', W, 'data-modifying-cte'],
  ['WITH x AS (SELECT 1) SELECT * FROM (WITH y AS (DELETE FROM t RETURNING 1) SELECT * FROM y) z', W, 'data-modifying-cte'],
  ['WITH x AS (MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE RETURNING t.a) SELECT * FROM x', W, 'data-modifying-cte'],
  ['with x as (delete from t returning *) select count(*) from x', W, 'data-modifying-cte'],

  // denied functions
  ['SELECT nextval(\'s\')', W, 'denied-function'],
  ['SELECT setval(\'s\', 1)', W, 'denied-function'],
  ['SELECT currval(\'s\')', W, 'denied-function'],
  ['SELECT lastval()', W, 'denied-function'],
  ['SELECT pg_catalog.nextval(\'s\')', W, 'denied-function'],
  ['SELECT NEXTVAL(\'s\')', W, 'denied-function'],
  ['SELECT id, nextval(\'s\') FROM t', W, 'denied-function'],
  ['SELECT * FROM t WHERE id = nextval(\'s\')', W, 'denied-function'],
  ['SELECT pg_advisory_lock(1)', W, 'denied-function'],
  ['SELECT pg_advisory_xact_lock(1)', W, 'denied-function'],
  ['SELECT pg_advisory_unlock(1)', W, 'denied-function'],
  ['SELECT pg_advisory_lock_shared(1)', W, 'denied-function'],
  ['SELECT pg_try_advisory_lock(1)', W, 'denied-function'],
  ['SELECT pg_try_advisory_xact_lock(1, 2)', W, 'denied-function'],
  ['SELECT set_config(\'a.b\', \'c\', false)', W, 'denied-function'],
  ['SELECT txid_current()', W, 'denied-function'],
  ['SELECT pg_current_xact_id()', W, 'denied-function'],
  ['SELECT pg_notify(\'ch\', \'x\')', W, 'denied-function'],
  ['SELECT lo_import(\'/tmp/x\')', W, 'denied-function'],
  ['SELECT lo_unlink(1)', W, 'denied-function'],
  ['SELECT lo_create(0)', W, 'denied-function'],
  ['SELECT dblink_exec(\'x\', \'DELETE FROM t\')', W, 'denied-function'],
  ['SELECT * FROM dblink(\'x\', \'SELECT 1\') AS t(a int)', W, 'denied-function'],
  ['SELECT (SELECT nextval(\'s\'))', W, 'denied-function'],
  ['WITH x AS (SELECT nextval(\'s\')) SELECT * FROM x', W, 'denied-function'],
  ['SELECT 1 UNION SELECT nextval(\'s\')', W, 'denied-function'],
  ['SELECT count(*) FROM t WHERE pg_try_advisory_lock(id)', W, 'denied-function'],

  // volatile or unknown functions
  ['SELECT pg_sleep(1)', U, 'volatile-function'],
  ['SELECT setseed(0.5)', U, 'volatile-function'],
  ['SELECT pg_terminate_backend(1)', U, 'volatile-function'],
  ['SELECT pg_cancel_backend(1)', U, 'volatile-function'],
  ['SELECT pg_reload_conf()', U, 'volatile-function'],
  ['SELECT pg_switch_wal()', U, 'volatile-function'],
  ['SELECT pg_stat_reset()', U, 'volatile-function'],
  ['SELECT timeofday()', U, 'volatile-function'],
  ['SELECT app.touch_user(1)', U, 'volatile-function'],
  ['SELECT get_user(1)', U, 'volatile-function'],
  ['SELECT other.get_user(1)', U, 'volatile-function'],
  ['SELECT my_function()', U, 'unknown-function'],
  ['SELECT app.missing()', U, 'unknown-function'],
  ['SELECT * FROM t WHERE my_check(a)', U, 'unknown-function'],
  ['SELECT a FROM t ORDER BY my_rank(a)', U, 'unknown-function'],
  ['SELECT "MyFunc"()', U, 'unknown-function'],
  ['SELECT pg_sleep(0), nextval(\'s\')', W, 'denied-function'],

  // statements that are not SELECT: writes
  ['INSERT INTO t VALUES (1)', W, 'not-select'],
  ['INSERT INTO t SELECT * FROM u', W, 'not-select'],
  ['INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING', W, 'not-select'],
  ['INSERT INTO t VALUES (1) RETURNING id', W, 'not-select'],
  ['UPDATE t SET a = 1', W, 'not-select'],
  ['UPDATE t SET a = 1 WHERE id = $1 RETURNING *', W, 'not-select'],
  ['DELETE FROM t', W, 'not-select'],
  ['DELETE FROM t WHERE id IN (SELECT id FROM u)', W, 'not-select'],
  ['MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN UPDATE SET b = u.b', W, 'not-select'],
  ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', W, 'not-select'],
  ['WITH x AS (SELECT 1) DELETE FROM t', W, 'not-select'],
  ['TRUNCATE t', W, 'not-select'],
  ['CREATE TABLE t (a int)', W, 'not-select'],
  ['CREATE TEMP TABLE t (a int)', W, 'not-select'],
  ['CREATE TABLE t AS SELECT 1', W, 'not-select'],
  ['CREATE INDEX ON t (a)', W, 'not-select'],
  ['CREATE VIEW v AS SELECT 1', W, 'not-select'],
  ['CREATE MATERIALIZED VIEW mv AS SELECT 1', W, 'not-select'],
  ['REFRESH MATERIALIZED VIEW mv', W, 'not-select'],
  ['CREATE SEQUENCE s', W, 'not-select'],
  ['CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql', W, 'not-select'],
  ['CREATE EXTENSION pgcrypto', W, 'not-select'],
  ['CREATE SCHEMA s', W, 'not-select'],
  ['ALTER TABLE t ADD COLUMN b int', W, 'not-select'],
  ['DROP TABLE t', W, 'not-select'],
  ['DROP INDEX i', W, 'not-select'],
  ['GRANT SELECT ON t TO u', W, 'not-select'],
  ['REVOKE SELECT ON t FROM u', W, 'not-select'],
  ['COMMENT ON TABLE t IS \'x\'', W, 'not-select'],
  ['VACUUM t', W, 'not-select'],
  ['VACUUM FULL', W, 'not-select'],
  ['ANALYZE t', W, 'not-select'],
  ['CLUSTER t USING i', W, 'not-select'],
  ['REINDEX TABLE t', W, 'not-select'],
  ['LOCK TABLE t IN ACCESS EXCLUSIVE MODE', W, 'not-select'],
  ['NOTIFY ch, \'x\'', W, 'not-select'],
  ['CALL my_proc()', W, 'not-select'],
  ['DO $$ BEGIN PERFORM 1; END $$', W, 'not-select'],
  ['COPY t FROM STDIN', W, 'not-select'],
  ['COPY t (a, b) FROM \'/tmp/x\' WITH (FORMAT csv)', W, 'not-select'],
  ['CHECKPOINT', W, 'not-select'],
  ['SECURITY LABEL ON TABLE t IS \'x\'', W, 'not-select'],
  ['CREATE ROLE r', W, 'not-select'],
  ['ALTER SYSTEM SET work_mem = \'1MB\'', W, 'not-select'],
  ['EXPLAIN ANALYZE DELETE FROM t', W, 'not-select'],
  ['EXPLAIN (ANALYZE) INSERT INTO t VALUES (1)', W, 'not-select'],
  ['EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1', W, 'not-select'],

  // not writes, not reads: session state, cursors, utility
  ['SHOW search_path', U, 'not-select'],
  ['SHOW ALL', U, 'not-select'],
  ['EXPLAIN SELECT 1', U, 'not-select'],
  ['EXPLAIN DELETE FROM t', U, 'not-select'],
  ['EXPLAIN ANALYZE SELECT 1', U, 'not-select'],
  ['COPY t TO STDOUT', U, 'not-select'],
  ['COPY (SELECT * FROM t) TO STDOUT WITH (FORMAT csv)', U, 'not-select'],
  ['SET search_path = app', U, 'not-select'],
  ['SET LOCAL statement_timeout = 1000', U, 'not-select'],
  ['SET ROLE app', U, 'not-select'],
  ['RESET ALL', U, 'not-select'],
  ['BEGIN', U, 'not-select'],
  ['START TRANSACTION READ ONLY', U, 'not-select'],
  ['COMMIT', U, 'not-select'],
  ['ROLLBACK', U, 'not-select'],
  ['SAVEPOINT a', U, 'not-select'],
  ['PREPARE q AS SELECT 1', U, 'not-select'],
  ['EXECUTE q', U, 'not-select'],
  ['DEALLOCATE q', U, 'not-select'],
  ['DECLARE c CURSOR FOR SELECT 1', U, 'not-select'],
  ['FETCH 10 FROM c', U, 'not-select'],
  ['CLOSE c', U, 'not-select'],
  ['DISCARD ALL', U, 'not-select'],
  ['LISTEN ch', U, 'not-select'],
  ['UNLISTEN *', U, 'not-select'],
  ['LOAD \'auto_explain\'', U, 'not-select'],

  // several statements (any write inside wins)
  ['SELECT 1; SELECT 2', U, 'multiple-statements'],
  ['SELECT 1; DELETE FROM t', W, 'not-select'],
  ['DELETE FROM t; SELECT 1', W, 'not-select'],
  ['SELECT 1; SELECT nextval(\'s\')', W, 'denied-function'],
  ['SET a.b = 1; SELECT 1', U, 'multiple-statements'],
  ['SELECT 1; SELECT pg_sleep(1)', U, 'multiple-statements'],
  ['BEGIN; SELECT 1; COMMIT', U, 'multiple-statements'],

  // parse failures go to the primary (pgcat#887)
  ['SELEC 1', U, 'parse-error'],
  ['SELECT FROM WHERE', U, 'parse-error'],
  ['SELECT * FROM t WHERE', U, 'parse-error'],
  ['SELECT \'unterminated', U, 'parse-error'],
  ['SELECT 1 FOR', U, 'parse-error'],
  ['nonsense', U, 'parse-error'],
  ['SELECT * FROM t LIMIT', U, 'parse-error'],
  ['SELECT (1', U, 'parse-error'],
  ['WITH x AS (DELETE FROM t) SELECT', W, 'data-modifying-cte'],
  ['{"json": true}', U, 'parse-error'],
  ['', U, 'parse-error'],
  [';', U, 'empty'],
  ['-- only a comment', U, 'empty'],
  ['/* only a comment */', U, 'empty']
]

t.test('a table of statements', async (t) => {
  t.ok(TABLE.length >= 250, `${TABLE.length} statements`)
  const c = classifier()
  for (const [sql, kind, reason] of TABLE) {
    t.same(c.classify(sql), { kind, reason }, JSON.stringify(sql))
  }
  // Cached decisions are the same objects.
  t.equal(c.classify('SELECT 1'), c.classify('SELECT 1'))
})

t.test('readOnlyFunctions and writeFunctions', async (t) => {
  const c = classifier({ readOnlyFunctions: ['my_function', 'app.touch_user', 'NEXTVAL'], writeFunctions: ['get_user', 'app.stable_fn'] })
  t.same(c.classify('SELECT my_function()'), { kind: 'read', reason: 'read-only' })
  t.same(c.classify('SELECT app.touch_user(1)'), { kind: 'read', reason: 'read-only' })
  t.same(c.classify('SELECT public.get_user(1)'), { kind: 'write', reason: 'denied-function' })
  t.same(c.classify('SELECT app.stable_fn()'), { kind: 'write', reason: 'denied-function' })
  t.same(c.classify('SELECT stable_fn()'), { kind: 'read', reason: 'read-only' }, 'only the qualified name was listed')
  t.same(c.classify('SELECT nextval(\'s\')'), { kind: 'write', reason: 'denied-function' }, 'the deny list wins')
})

t.test('functions are unknown until pg_proc is read', async (t) => {
  const c = new Classifier({ readOnlyFunctions: [], writeFunctions: [], cacheSize: 10, maxParseBytes: 100 })
  t.equal(c.loaded, false)
  t.same(c.classify('SELECT lower(\'A\')'), { kind: 'unknown', reason: 'unknown-function' })
  t.same(c.classify('SELECT random()'), { kind: 'read', reason: 'read-only' })
  c.setVolatility([{ schema: 'pg_catalog', name: 'lower', safe: true }])
  t.equal(c.loaded, true)
  t.same(c.classify('SELECT lower(\'A\')'), { kind: 'read', reason: 'read-only' }, 'the cache was cleared')
})

t.test('too long to parse, flipped, fingerprints', async (t) => {
  const c = new Classifier({ readOnlyFunctions: [], writeFunctions: [], cacheSize: 10, maxParseBytes: 100 })
  const long = 'SELECT ' + '1, '.repeat(40) + '1'
  t.same(c.classify(long), { kind: 'unknown', reason: 'too-long' })
  t.same(c.classify('SELECT \'' + 'é'.repeat(46) + '\''), { kind: 'unknown', reason: 'too-long' }, 'bytes, not characters')
  c.flip('SELECT 1')
  t.same(c.classify('SELECT 1'), { kind: 'unknown', reason: 'misrouted' })
  t.equal(c.fingerprint('SELECT * FROM t WHERE a = 1'), c.fingerprint('SELECT * FROM t WHERE a = 2'), 'values do not count')
  t.match(c.fingerprint('SELEC nonsense'), /^[0-9a-f]{16}$/)
  t.match(c.fingerprint(long), /^[0-9a-f]{16}$/)
  t.not(c.fingerprint(long), c.fingerprint(long + '2'))
})
