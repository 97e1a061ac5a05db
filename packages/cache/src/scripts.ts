/**
 * Lua scripts (single Redis, where the entry and the generation hash can be touched together).
 * A record is `<meta>\n<body>`: meta is `[tags, generations]` as JSON, written by the script
 * itself from the generation hash at write time, and checked by the read script, so a tagged L2
 * hit is one round trip.
 */

/** KEYS: entry, gens. Returns the body (after the meta line) when every generation still matches. */
export const READ = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local nl = string.find(v, '\\n', 1, true)
if not nl then return false end
local meta = cjson.decode(string.sub(v, 1, nl - 1))
local fields = {''}
for i, t in ipairs(meta[1]) do fields[i + 1] = t end
local cur = redis.call('HMGET', KEYS[2], unpack(fields))
for i, g in ipairs(meta[2]) do
  if (tonumber(cur[i]) or 0) ~= g then return false end
end
return string.sub(v, nl + 1)
`

/** KEYS: entry, gens. ARGV: px, tags (JSON array), body. Stamps the current generations. */
export const WRITE = `
local tags = cjson.decode(ARGV[2])
local fields = {''}
for i, t in ipairs(tags) do fields[i + 1] = t end
local cur = redis.call('HMGET', KEYS[2], unpack(fields))
local g = {}
for i = 1, #fields do g[i] = tonumber(cur[i]) or 0 end
redis.call('SET', KEYS[1], cjson.encode({tags, g}) .. '\\n' .. ARGV[3], 'PX', ARGV[1])
return 1
`

/** KEYS: gens. ARGV: fields to bump (the namespace is the field ''). */
export const BUMP = `
for i, f in ipairs(ARGV) do redis.call('HINCRBY', KEYS[1], f, 1) end
return #ARGV
`

/** KEYS: lease. ARGV: token. Deletes the lease only when we still hold it. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`
