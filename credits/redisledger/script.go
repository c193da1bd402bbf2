package redisledger

import "github.com/redis/go-redis/v9"

// corruptMarker starts every error reply the scripts send when a key holds
// something they did not write.
const corruptMarker = "ZDLEDGER corrupt:"

// syncSource is the one script through which every decision on a credit day
// passes. It runs atomically on the Redis server, reads the time with TIME
// and, in this order:
//
//  1. reads and validates everything it will touch: one HMGET of the day
//     hash brings the day's totals and the states of the holds the call
//     names (nothing is written when a key holds a value the script did not
//     write);
//  2. when the day's "due" has passed (the earliest a lease can expire),
//     reaps up to 64 expired leases (their credits stop being held) and
//     finds the next due; otherwise the lease set is not read at all;
//  3. applies hold updates: ARGV quadruples of absolute values, so that a
//     retried call changes nothing twice; an ended hold's lease entry is
//     removed;
//  4. learns the organisation's remaining credits, after the updates' spend;
//  5. decides the reservations it carries, in order, each one seeing the
//     holds granted before it (a group commit of several callers);
//  6. writes what changed: lease entries first (their key's type is checked
//     by that first write, or by a ZCARD when the run neither read nor
//     writes the lease set, before anything else is written), then one HSET
//     of the day hash; the day's first write creates both day keys, the
//     lease set with a sentinel ('~', never due) so that it never vanishes,
//     and puts the same expiry on both.
//
// KEYS: 1 day hash {spent, held, ext, low, due, hold ID -> state}; 2 lease
// zset hold ID -> expiry (ms); 3 the organisation's stop key (read only).
//
// ARGV: 1 expire-at (ms, 0 = now + 50h); 2 lease of updated holds (ms);
// 3 remaining (-1 = none); 4 allotment; 5 reservation count m; 6 update
// count n; then m times: id, min, max, limit, lease (ms); then n times: id,
// cumulative spend, new amount, end (0 keep, 1 settle, 2 release).
//
// "due" is 0 when no hold has a lease entry, else at most the lowest lease
// expiry in the set: every ZADD lowers it as needed, and a removal leaves it
// (too early is only a wasted look).
//
// Hold states: "a|amount|spent" (active), "s|spent" (settled), "r|spent"
// (released), "x|spent" (its lease expired before it ended). Numbers are
// handed to redis.call as Lua numbers, which Redis writes as plain integers
// below 1e17; the readers accept at most 15 digits.
//
// Reply: {spent, held, ext, low (-1 = none), stop-until (ms, 0 = none), now
// (ms)}, then per reservation {ok (1 or 0), granted, available before it}.
const syncSource = `
local function corrupt(msg) return redis.error_reply('` + corruptMarker + ` ' .. msg) end
local function int(v)
  if not v then return nil, true end
  if #v > 15 or not string.match(v, '^%d+$') then return nil, false end
  return tonumber(v), true
end
local function parse(v)
  if not v then return {st = 'none', amt = 0, sp = 0} end
  if #v > 40 then return nil end
  local a, s = string.match(v, '^a|(%d+)|(%d+)$')
  if a then return {st = 'a', amt = tonumber(a), sp = tonumber(s)} end
  local st, sp = string.match(v, '^([srx])|(%d+)$')
  if st then return {st = st, amt = 0, sp = tonumber(sp)} end
  return nil
end

local K, KL = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local obsRem = tonumber(ARGV[3])
local m = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local u0 = 7 + 5 * m -- first update argument

-- 1. read and validate
local f = {'spent', 'held', 'ext', 'low', 'due'}
for i = 0, n - 1 do f[#f + 1] = ARGV[u0 + 4 * i] end
for i = 0, m - 1 do f[#f + 1] = ARGV[7 + 5 * i] end
local d = redis.pcall('HMGET', K, unpack(f))
if d.err then return corrupt(K .. ': ' .. d.err) end
local spent, ok1 = int(d[1])
local held, ok2 = int(d[2])
local ext, ok3 = int(d[3])
local low, ok4 = int(d[4])
local due, ok5 = int(d[5])
if not (ok1 and ok2 and ok3 and ok4 and ok5) then
  return corrupt(K .. ': a total is not a non-negative integer')
end
local newDay = spent == nil
spent = spent or 0
held = held or 0
ext = ext or 0
local stop = redis.pcall('GET', KEYS[3])
if type(stop) == 'table' and stop.err then return corrupt(KEYS[3] .. ': ' .. stop.err) end
local stopv, ok6 = int(stop)
if not ok6 then return corrupt(KEYS[3] .. ': not a non-negative integer') end

local cache = {}
local dirty = {}
for i = 6, #f do
  local id = f[i]
  if not cache[id] then
    local h = parse(d[i])
    if h == nil then return corrupt(K .. ': hold ' .. id .. ' has an unknown state') end
    cache[id] = h
  end
end

local dirtyDay = false
local zrem = {}
local zadd = {}
local dueDirty = false
local touched = false -- the lease set was read

-- 2. reap expired leases, when one can be due
if due == nil or (due > 0 and due <= now) then
  local reap = redis.pcall('ZRANGEBYSCORE', KL, '-inf', now, 'LIMIT', 0, 64)
  if reap.err then return corrupt(KL .. ': ' .. reap.err) end
  touched = true
  local miss = {}
  for i = 1, #reap do
    if not cache[reap[i]] then miss[#miss + 1] = reap[i] end
  end
  if #miss > 0 then
    local hv = redis.call('HMGET', K, unpack(miss))
    for i = 1, #miss do
      local h = parse(hv[i])
      if h == nil then return corrupt(K .. ': hold ' .. miss[i] .. ' has an unknown state') end
      cache[miss[i]] = h
    end
  end
  for i = 1, #reap do
    local id = reap[i]
    local h = cache[id]
    if h.st == 'a' then
      held = held - h.amt
      h.st, h.amt = 'x', 0
      dirty[#dirty + 1] = id
      dirtyDay = true
    end
    zrem[#zrem + 1] = id
  end
  if #reap == 64 then
    due = now
  else
    local nx = redis.call('ZRANGEBYSCORE', KL, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    due = 0
    if nx[1] and nx[1] ~= '~' then due = tonumber(nx[2]) end
  end
  dueDirty = true
end

-- 3. hold updates
for i = 0, n - 1 do
  local j = u0 + 4 * i
  local id = ARGV[j]
  local cum = tonumber(ARGV[j + 1])
  local amt = tonumber(ARGV[j + 2])
  local fin = tonumber(ARGV[j + 3])
  local h = cache[id]
  if cum > h.sp then
    spent = spent + (cum - h.sp)
    h.sp = cum
    dirtyDay = true
  end
  if h.st == 'a' then
    if fin ~= 0 or amt == 0 then
      held = held - h.amt
      h.amt = 0
      if fin == 2 then h.st = 'r' else h.st = 's' end
      zrem[#zrem + 1] = id
    else
      held = held + amt - h.amt
      h.amt = amt
      zadd[#zadd + 1] = now + lease
      zadd[#zadd + 1] = id
    end
    dirtyDay = true
  elseif h.st == 'none' then
    if fin == 2 then h.st = 'r' elseif fin == 1 then h.st = 's' else h.st = 'x' end
  elseif h.st == 'x' and fin ~= 0 then
    if fin == 2 then h.st = 'r' else h.st = 's' end
  end
  dirty[#dirty + 1] = id
end
if held < 0 then held = 0 end

-- 4. learn the organisation's remaining credits
if obsRem >= 0 then
  if low == nil or obsRem < low then low = obsRem end
  local allot = tonumber(ARGV[4])
  if allot > 0 then
    local cand = allot - obsRem - spent
    if cand > ext then ext = cand end
  end
  dirtyDay = true
end

-- 5. reserve, in order: each reservation sees the holds granted before it
local out = {}
for i = 0, m - 1 do
  local j = 7 + 5 * i
  local rid = ARGV[j]
  local rmin = tonumber(ARGV[j + 1])
  local avail = tonumber(ARGV[j + 3]) - spent - ext - held
  local h = cache[rid]
  local okr, granted = 0, 0
  if h.st == 'a' then
    okr, granted = 1, h.amt
  elseif h.st == 'none' and avail >= rmin then
    granted = tonumber(ARGV[j + 2])
    if avail < granted then granted = avail end
    held = held + granted
    h.st, h.amt = 'a', granted
    dirty[#dirty + 1] = rid
    zadd[#zadd + 1] = now + tonumber(ARGV[j + 4])
    zadd[#zadd + 1] = rid
    dirtyDay = true
    okr = 1
  end
  out[#out + 1] = okr
  out[#out + 1] = granted
  out[#out + 1] = avail
end
local function reply()
  local r = {spent, held, ext, low or -1, stopv or 0, now}
  for i = 1, #out do r[6 + i] = out[i] end
  return r
end

-- 6. write
for i = 1, #zadd, 2 do
  if due == nil or due == 0 or zadd[i] < due then due = zadd[i]; dueDirty = true end
end
if newDay and not (dirtyDay or #dirty > 0 or #zadd > 0 or #zrem > 0) then
  -- Nothing to keep: a day nobody wrote is not created by looking at it.
  -- (Reaping read the lease set, so its type is checked.)
  return reply()
end
if newDay then
  zadd[#zadd + 1] = '+inf'
  zadd[#zadd + 1] = '~'
end
local zerr
if not touched and #zrem == 0 and #zadd == 0 then
  -- Nothing below meets the lease set: check its type all the same.
  zerr = redis.pcall('ZCARD', KL)
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
end
if #zrem > 0 then
  zerr = redis.pcall('ZREM', KL, unpack(zrem))
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
  zerr = nil
end
if #zadd > 0 then
  zerr = redis.pcall('ZADD', KL, unpack(zadd))
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
end
if dirtyDay or dueDirty or #dirty > 0 or newDay then
  local w = {}
  if dirtyDay or newDay then
    w[1], w[2], w[3], w[4], w[5], w[6] = 'spent', spent, 'held', held, 'ext', ext
    if low ~= nil then w[7], w[8] = 'low', low end
  end
  if dueDirty or newDay then
    w[#w + 1] = 'due'
    w[#w + 1] = due or 0
  end
  for i = 1, #dirty do
    local id = dirty[i]
    local h = cache[id]
    w[#w + 1] = id
    if h.st == 'a' then w[#w + 1] = string.format('a|%d|%d', h.amt, h.sp)
    else w[#w + 1] = string.format('%s|%d', h.st, h.sp) end
  end
  redis.call('HSET', K, unpack(w))
end
if newDay then
  local expAt = tonumber(ARGV[1])
  if expAt == 0 then expAt = now + 50 * 3600 * 1000 end
  redis.call('PEXPIREAT', K, expAt, 'NX')
  redis.call('PEXPIREAT', KL, expAt, 'NX')
end
return reply()
`

// stopSource extends the organisation's stop: KEYS 1 the stop key; ARGV 1
// until (ms), 2 how long to keep the key after until (ms). An earlier until
// than the stored one changes nothing. Reply: the stop in force (ms).
const stopSource = `
local cur = redis.pcall('GET', KEYS[1])
if type(cur) == 'table' and cur.err then
  return redis.error_reply('` + corruptMarker + ` ' .. KEYS[1] .. ': ' .. cur.err)
end
if cur ~= false and (#cur > 15 or not string.match(cur, '^%d+$')) then
  return redis.error_reply('` + corruptMarker + ` ' .. KEYS[1] .. ': not a non-negative integer')
end
local untilv = tonumber(ARGV[1])
if cur ~= false and tonumber(cur) >= untilv then return tonumber(cur) end
redis.call('SET', KEYS[1], string.format('%d', untilv), 'PXAT', untilv + tonumber(ARGV[2]))
return untilv
`

// newScripts returns the scripts; each Ledger has its own values so that no
// state is shared between ledgers.
func newScripts() (sync, stop *redis.Script) {
	return redis.NewScript(syncSource), redis.NewScript(stopSource)
}
