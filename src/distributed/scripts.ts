/**
 * The Redis frontier's Lua scripts. Each one is a single atomic step: taking a request and leasing it,
 * acknowledging it with its children and items, reclaiming expired leases. Time comes from Redis (TIME), so
 * workers on machines with skewed clocks agree.
 *
 * Keys live under one prefix with a hash tag (`arachne:{crawl}:`), so a script's keys share a Redis Cluster slot.
 * Layout: meta (hash) · seq, leaseSeq (counters) · counts (hash: queued, done, failed, items) · hosts (set) ·
 * host:<h> (hash: inflight, delay, readyAt) · q:<h> (zset of request JSON, by priority then arrival) · ready (zset:
 * hosts with queued requests and a free slot, by the time they may be served) · leases (zset: lease id → deadline)
 * · leased (hash: lease id → host \n score \n request JSON) · delayed (zset: retries waiting out their backoff) ·
 * seen:<bucket> (sets of 64-bit fingerprints, small enough for Redis's compact intset encoding) or bloom (bitmap)
 * · items (stream) · failed (hash). With shared host turns (meta 'turns' names another prefix), a host's inflight,
 * readyAt and delay live in that prefix's host:<h> hash, shared by every crawl of the group, and its queued, done and
 * failed counts stay in the crawl's own.
 */

const common = `
local p = ARGV[1]
local perHost = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- A host's turns (requests in flight, ready time, delay) live under the crawl's prefix, or under the prefix of a
-- group of crawls that share them (meta 'turns', hostTurns): then every crawl of the group waits for the others.
local tp = redis.call('HGET', p .. 'meta', 'turns')
local sharedTurns = tp ~= false and tp ~= p
if not sharedTurns then tp = p end
-- How soon a crawl looks again at a host that other crawls of its group keep busy (their releases do not wake it).
local recheckMs = 100

local function hostKey(host) return p .. 'host:' .. host end
local function turnKey(host) return tp .. 'host:' .. host end

-- Puts a host in the ready set if it has queued requests and a free slot (or, when its turns are shared, to be
-- looked at again soon: another crawl of the group may hold the slots).
local function offer(host)
  if redis.call('ZCARD', p .. 'q:' .. host) == 0 then return end
  local tk = turnKey(host)
  local inflight = tonumber(redis.call('HGET', tk, 'inflight') or '0')
  local readyAt = tonumber(redis.call('HGET', tk, 'readyAt') or '0')
  if inflight < perHost then
    redis.call('ZADD', p .. 'ready', readyAt, host)
  elseif sharedTurns then
    redis.call('ZADD', p .. 'ready', math.max(readyAt, now + recheckMs), host)
  end
end

-- What a script changes in the counters, and the hosts it queued to or released, are gathered and written once
-- each (flush): an exchange of a few pages would otherwise make a dozen HINCRBYs and an offer per page and child.
-- Nothing in a script reads them back, except the ready set, which flushOffers() brings up to date first.
local counts, hostCounts, touched = {}, {}, {}
local function count(field, n) counts[field] = (counts[field] or 0) + n end
local function countHost(host, field, n)
  local c = hostCounts[host]
  if not c then
    c = {}
    hostCounts[host] = c
  end
  c[field] = (c[field] or 0) + n
end

local function flushOffers()
  for host, queued in pairs(touched) do
    if queued then redis.call('SADD', p .. 'hosts', host) end
    offer(host)
  end
  touched = {}
end

local function flush()
  flushOffers()
  for field, n in pairs(counts) do
    if n ~= 0 then redis.call('HINCRBY', p .. 'counts', field, n) end
  end
  for host, c in pairs(hostCounts) do
    for field, n in pairs(c) do
      if n ~= 0 then redis.call('HINCRBY', hostKey(host), field, n) end
    end
  end
  counts, hostCounts = {}, {}
end

local function enqueue(host, score, json)
  redis.call('ZADD', p .. 'q:' .. host, score, json)
  countHost(host, 'queued', 1)
  count('queued', 1)
  touched[host] = true
end

-- The host's in-flight count drops at once: the leases taken later in the same script read it.
local function release(host)
  redis.call('HINCRBY', turnKey(host), 'inflight', -1)
  if touched[host] == nil then touched[host] = false end
end

-- Dedup token: a fingerprint for the exact seen set ("bucket fp"), or bit positions for the Bloom filter.
local function firstSeen(mode, token)
  if mode == 'bloom' then
    local fresh = false
    for pos in string.gmatch(token, '%d+') do
      if redis.call('SETBIT', p .. 'bloom', pos, 1) == 0 then fresh = true end
    end
    return fresh
  end
  local space = string.find(token, ' ', 1, true)
  return redis.call('SADD', p .. 'seen:' .. string.sub(token, 1, space - 1), string.sub(token, space + 1)) == 1
end

-- Children: 'n' groups of 4 arguments (token, host, priority, json) from index 'from'. Returns 1/0 per child.
local function addSome(mode, from, n)
  local added = {}
  local fresh = 0
  for i = from, from + 4 * (n - 1), 4 do
    if firstSeen(mode, ARGV[i]) then
      added[#added + 1] = 1
      fresh = fresh + 1
    else
      added[#added + 1] = 0
    end
  end
  if fresh == 0 then return added end
  -- One INCRBY numbers the new ones in order (seq also counts what was ever queued: only the new ones move it).
  local seq = redis.call('INCRBY', p .. 'seq', fresh) - fresh
  local j = 0
  for i = from, from + 4 * (n - 1), 4 do
    j = j + 1
    if added[j] == 1 then
      seq = seq + 1
      enqueue(ARGV[i + 1], -tonumber(ARGV[i + 2]) * 1e9 + seq, ARGV[i + 3])
    end
  end
  return added
end

-- Every child group from index 'from' to the last argument.
local function addAll(mode, from)
  return addSome(mode, from, (#ARGV - from + 1) / 4)
end

-- Takes a lease away: returns host, score, json, or nil when it is unknown (expired and reclaimed: fenced off).
local function takeLease(id)
  local value = redis.call('HGET', p .. 'leased', id)
  if not value then return nil end
  redis.call('HDEL', p .. 'leased', id)
  redis.call('ZREM', p .. 'leases', id)
  local a = string.find(value, '\\n', 1, true)
  local b = string.find(value, '\\n', a + 1, true)
  return string.sub(value, 1, a - 1), tonumber(string.sub(value, a + 1, b - 1)), string.sub(value, b + 1)
end
`;

/**
 * Seeds the crawl. ARGV: prefix, perHost, mode, then (token, host, priority, json)… → 1/0 per request.
 * Marks the crawl seeded: until then, workers that find nothing to do wait instead of declaring it finished.
 */
export const addScript = `${common}
redis.call('HSETNX', p .. 'meta', 'seeded', now)
local added = addAll(ARGV[3], 4)
flush()
return added`;

/**
 * One worker's exchange with the frontier: its acknowledgements since the last call, then up to `want` new leases.
 * Batching both is what keeps a worker at about one round trip per page (and less under load): acknowledgements
 * made while a call is in flight travel together in the next, and each call takes the next requests in the same step.
 *
 * ARGV: prefix, perHost, mode, leaseMs, defaultDelayMs, want, then operations, each a kind and its lease id:
 *   c lease itemCount items… childCount (token host priority json)…   complete (items and children)
 *   f lease requestJson error                                          fail
 *   r lease requestJson delayMs                                        retry (to `delayed`, after its backoff)
 *   g lease                                                            give back, unchanged (never started)
 * → { acks, leased, waitMs, alive }: per operation 1 (a table of 1/0 per child for c) or -1 when the lease was lost
 * (expired and reclaimed: fenced off); leased = { json, leaseId, … }; waitMs, when fewer than `want` were leased,
 * until a host is ready or a retry is due, -1 when nothing is queued or delayed; alive = 0 when the crawl's meta
 * hash lost its spider (its keys were deleted).
 */
export const exchangeScript = `${common}
local mode = ARGV[3]
local leaseMs = tonumber(ARGV[4])
local defaultDelay = tonumber(ARGV[5])
local want = tonumber(ARGV[6])

local acks = {}
local i = 7
while i <= #ARGV do
  local kind, id = ARGV[i], ARGV[i + 1]
  local host, score, json = takeLease(id)
  if host then release(host) end
  if kind == 'c' then
    local itemCount = tonumber(ARGV[i + 2])
    local children = i + 3 + itemCount
    local childCount = tonumber(ARGV[children])
    if host then
      for j = i + 3, i + 2 + itemCount do redis.call('XADD', p .. 'items', '*', 'i', ARGV[j]) end
      count('items', itemCount)
      count('done', 1)
      countHost(host, 'done', 1)
      acks[#acks + 1] = addSome(mode, children + 1, childCount)
    else
      acks[#acks + 1] = -1
    end
    i = children + 1 + 4 * childCount
  else
    if not host then
      acks[#acks + 1] = -1
    elseif kind == 'f' then
      redis.call('HSET', p .. 'failed', id, ARGV[i + 3] .. '\\n' .. ARGV[i + 2])
      count('failed', 1)
      countHost(host, 'failed', 1)
      acks[#acks + 1] = 1
    elseif kind == 'r' then
      redis.call('ZADD', p .. 'delayed', now + tonumber(ARGV[i + 3]), host .. '\\n' .. score .. '\\n' .. ARGV[i + 2])
      acks[#acks + 1] = 1
    else -- 'g': back to its queue where it was, as if never taken
      enqueue(host, score, json)
      acks[#acks + 1] = 1
    end
    if kind == 'g' then i = i + 2 else i = i + 4 end
  end
end

local leased = {}
local waitMs = 0
if want > 0 then
  -- Leases whose worker stopped renewing them (it died): back to their queues.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'leases', '-inf', now, 'LIMIT', 0, 100)) do
    local host, score, json = takeLease(id)
    if host then
      redis.call('HINCRBY', turnKey(host), 'inflight', -1)
      count('reclaimed', 1)
      enqueue(host, score, json)
    else
      redis.call('ZREM', p .. 'leases', id)
    end
  end
  -- Retries whose backoff is over.
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', p .. 'delayed', '-inf', now, 'LIMIT', 0, 100)) do
    redis.call('ZREM', p .. 'delayed', entry)
    local a = string.find(entry, '\\n', 1, true)
    local b = string.find(entry, '\\n', a + 1, true)
    enqueue(string.sub(entry, 1, a - 1), tonumber(string.sub(entry, a + 1, b - 1)), string.sub(entry, b + 1))
  end
  flushOffers()
  -- Up to 'want' requests across the ready hosts: a host stays ready (and may give another) while it has a free
  -- slot and its delay allows; with a delay it gives one per call, as its readyAt moves past now.
  local taken, misses = 0, 0
  while taken < want and misses < 5 do
    local ready = redis.call('ZRANGEBYSCORE', p .. 'ready', '-inf', now, 'LIMIT', 0, 1)
    if #ready == 0 then
      local first = redis.call('ZRANGE', p .. 'ready', 0, 0, 'WITHSCORES')
      local due = redis.call('ZRANGE', p .. 'delayed', 0, 0, 'WITHSCORES')
      local at = nil
      if #first > 0 then at = tonumber(first[2]) end
      if #due > 0 and (at == nil or tonumber(due[2]) < at) then at = tonumber(due[2]) end
      if at == nil then waitMs = -1 else waitMs = math.max(0, at - now) end
      break
    end
    local host = ready[1]
    local tk = turnKey(host)
    -- With shared turns, this crawl's ready set does not see the other crawls' turns: the host's own record decides.
    local heldUntil = 0
    if sharedTurns then
      heldUntil = tonumber(redis.call('HGET', tk, 'readyAt') or '0')
      if tonumber(redis.call('HGET', tk, 'inflight') or '0') >= perHost then
        heldUntil = math.max(heldUntil, now + recheckMs)
      end
    end
    local popped = {}
    local delay = defaultDelay
    if heldUntil <= now then
      delay = tonumber(redis.call('HGET', tk, 'delay') or defaultDelay)
      -- A host with no delay between its requests gives as many as it has free slots in one step (1,000 at most:
      -- Lua's unpack takes a few thousand values); with a delay, one per step, as its readyAt moves past now.
      local take = 1
      if delay <= 0 then
        local free = perHost - tonumber(redis.call('HGET', tk, 'inflight') or '0')
        take = math.max(1, math.min(want - taken, free, 1000))
      end
      popped = redis.call('ZPOPMIN', p .. 'q:' .. host, take)
    end
    if heldUntil > now then
      redis.call('ZADD', p .. 'ready', heldUntil, host)
      misses = misses + 1
    elseif #popped == 0 then
      redis.call('ZREM', p .. 'ready', host)
      misses = misses + 1
    else
      local got = #popped / 2
      local inflight = redis.call('HINCRBY', tk, 'inflight', got)
      local readyAt = math.max(now + delay, tonumber(redis.call('HGET', tk, 'readyAt') or '0'))
      redis.call('HSET', tk, 'readyAt', readyAt)
      countHost(host, 'queued', -got)
      count('queued', -got)
      if inflight >= perHost or redis.call('ZCARD', p .. 'q:' .. host) == 0 then
        redis.call('ZREM', p .. 'ready', host)
      else
        redis.call('ZADD', p .. 'ready', readyAt, host)
      end
      local id = redis.call('INCRBY', p .. 'leaseSeq', got) - got
      local deadlines, records = {}, {}
      for j = 1, #popped, 2 do
        id = id + 1
        deadlines[#deadlines + 1] = now + leaseMs
        deadlines[#deadlines + 1] = tostring(id)
        records[#records + 1] = tostring(id)
        records[#records + 1] = host .. '\\n' .. popped[j + 1] .. '\\n' .. popped[j]
        leased[#leased + 1] = popped[j]
        leased[#leased + 1] = tostring(id)
      end
      redis.call('ZADD', p .. 'leases', unpack(deadlines))
      redis.call('HSET', p .. 'leased', unpack(records))
      taken = taken + got
    end
  end
end
flush()
return { acks, leased, waitMs, redis.call('HEXISTS', p .. 'meta', 'spider') }`;

/** ARGV: prefix, perHost, leaseMs, leaseId… → how many leases were still held and got extended. */
export const renewScript = `${common}
local renewed = 0
for i = 4, #ARGV do
  if redis.call('ZSCORE', p .. 'leases', ARGV[i]) then
    redis.call('ZADD', p .. 'leases', 'XX', now + tonumber(ARGV[3]), ARGV[i])
    renewed = renewed + 1
  end
end
return renewed`;

/** ARGV: prefix, perHost, host, untilMs (absolute, Redis clock) or delayMs → holds every worker off that host. */
export const backOffScript = `${common}
local hk = turnKey(ARGV[3])
local readyAt = math.max(tonumber(redis.call('HGET', hk, 'readyAt') or '0'), now + tonumber(ARGV[4]))
redis.call('HSET', hk, 'readyAt', readyAt)
if redis.call('ZSCORE', p .. 'ready', ARGV[3]) then redis.call('ZADD', p .. 'ready', readyAt, ARGV[3]) end
return readyAt`;

/**
 * ARGV: prefix, perHost → 1 and marks the crawl finished when it was seeded and nothing is queued, delayed or
 * leased anywhere; else 0.
 */
export const finishScript = `${common}
if redis.call('HEXISTS', p .. 'meta', 'seeded') == 0 then return 0 end
local queued = tonumber(redis.call('HGET', p .. 'counts', 'queued') or '0')
if queued > 0 or redis.call('ZCARD', p .. 'leases') > 0 or redis.call('ZCARD', p .. 'delayed') > 0 then return 0 end
redis.call('HSET', p .. 'meta', 'finished', now)
return 1`;

/**
 * ARGV: prefix, perHost, host, delayMs (this worker's delay for the host) → 0 when the host's next turn is booked
 * for the caller, else the milliseconds until it may be. The turn of a request leased before robots.txt was read:
 * the delay is the larger of the caller's (it just read the Crawl-delay) and the one stored for the host, and the
 * booking moves the host's ready time, so leases (exchangeScript) and turns take the same turns.
 */
export const turnScript = `${common}
local host = ARGV[3]
local hk = turnKey(host)
local readyAt = tonumber(redis.call('HGET', hk, 'readyAt') or '0')
if readyAt > now then return readyAt - now end
local delay = math.max(tonumber(ARGV[4]), tonumber(redis.call('HGET', hk, 'delay') or '0'))
readyAt = now + delay
redis.call('HSET', hk, 'readyAt', readyAt)
if redis.call('ZSCORE', p .. 'ready', host) then redis.call('ZADD', p .. 'ready', readyAt, host) end
return 0`;

/**
 * ARGV: prefix, perHost → { queued, delayed, leased, seq }: what remains in the crawl (a shard of it), read in one
 * step, and how many requests it ever queued (a moving count means children arrived meanwhile).
 */
export const sizeScript = `${common}
return {
  tonumber(redis.call('HGET', p .. 'counts', 'queued') or '0'),
  redis.call('ZCARD', p .. 'delayed'),
  redis.call('ZCARD', p .. 'leases'),
  tonumber(redis.call('GET', p .. 'seq') or '0')
}`;

/**
 * KEYS[1]: the stats hash. ARGV: workers hash, worker id, heartbeat, startedAt, then field and delta pairs → adds
 * a worker's counters since its last publish and beats its heartbeat, all or nothing (a failed publish is sent
 * again whole, never counted twice).
 */
export const publishScript = `
for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[4])
redis.call('HSET', ARGV[1], ARGV[2], ARGV[3])
return 1`;
