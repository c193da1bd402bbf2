package redisledger

import "github.com/redis/go-redis/v9"

// corruptMarker starts every error reply the scripts send when a key holds
// something they did not write.
const corruptMarker = "ZDLEDGER corrupt:"

// syncSource is the one script through which every decision on a credit day
// passes. It runs atomically on the Redis server, reads the time with TIME
// and, in this order:
//
//  1. reads and validates everything it will touch (nothing is written when
//     a key holds a value the script did not write);
//  2. reaps up to 64 expired leases (their credits stop being held);
//  3. applies hold updates: ARGV triples of absolute values, so that a retried
//     call changes nothing twice;
//  4. learns the organisation's remaining credits, after the updates' spend;
//  5. optionally reserves a new hold;
//  6. writes what changed; the day's first write creates the three day keys
//     together, each with a sentinel ('~') so that none vanishes when
//     emptied, and puts the same expiry on all three.
//
// KEYS: 1 day hash {spent, held, ext, low}; 2 hold hash id -> state;
// 3 lease zset id -> expiry (ms); 4 the organisation's stop key (read only).
//
// ARGV: 1 expire-at (ms, 0 = now + 50h); 2 lease (ms); 3 remaining (-1 = none);
// 4 allotment; 5 reserve id ("" = none); 6 reserve min; 7 reserve max;
// 8 limit; 9 update count n; then n times: id, cumulative spend, new amount,
// end (0 keep, 1 settle, 2 release).
//
// Ended holds keep their lease entry until reaping removes it after the
// lease, so that a settlement costs no ZREM of its own.
//
// Hold states: "a|amount|spent" (active), "s|spent" (settled), "r|spent"
// (released), "x|spent" (its lease expired before it ended).
//
// Reply: {ok, granted, available, spent, held, ext, low (-1 = none), stop-until
// (ms, 0 = none), now (ms)}; ok is -1 when nothing was asked.
const syncSource = `
local function corrupt(msg) return redis.error_reply('` + corruptMarker + ` ' .. msg) end
local function int(v)
  if v == false or v == nil then return nil, true end
  if type(v) ~= 'string' or #v > 15 or not string.match(v, '^%d+$') then return nil, false end
  return tonumber(v), true
end
local function fmt(n) return string.format('%d', n) end
local function parse(v)
  if v == false or v == nil then return {st = 'none', amt = 0, sp = 0} end
  if #v > 40 then return nil end
  local a, s = string.match(v, '^a|(%d+)|(%d+)$')
  if a then return {st = 'a', amt = tonumber(a), sp = tonumber(s)} end
  local st, sp = string.match(v, '^([srx])|(%d+)$')
  if st then return {st = st, amt = 0, sp = tonumber(sp)} end
  return nil
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expAt = tonumber(ARGV[1])
if expAt == 0 then expAt = now + 50 * 3600 * 1000 end
local lease = tonumber(ARGV[2])
local obsRem = tonumber(ARGV[3])
local obsAllot = tonumber(ARGV[4])
local rid = ARGV[5]
local rmin = tonumber(ARGV[6])
local rmax = tonumber(ARGV[7])
local limit = tonumber(ARGV[8])
local n = tonumber(ARGV[9])

-- 1. read and validate
local d = redis.pcall('HMGET', KEYS[1], 'spent', 'held', 'ext', 'low')
if d.err then return corrupt(KEYS[1] .. ': ' .. d.err) end
local spent, ok1 = int(d[1])
local held, ok2 = int(d[2])
local ext, ok3 = int(d[3])
local low, ok4 = int(d[4])
if not (ok1 and ok2 and ok3 and ok4) then
  return corrupt(KEYS[1] .. ': a field is not a non-negative integer')
end
spent = spent or 0
held = held or 0
ext = ext or 0
local stop = redis.pcall('GET', KEYS[4])
if type(stop) == 'table' and stop.err then return corrupt(KEYS[4] .. ': ' .. stop.err) end
local stopv, ok5 = int(stop)
if not ok5 then return corrupt(KEYS[4] .. ': not a non-negative integer') end

local newDay = d[1] == false and d[2] == false and d[3] == false and d[4] == false

local reap = redis.pcall('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 64)
if reap.err then return corrupt(KEYS[3] .. ': ' .. reap.err) end
local ids = {}
for i = 1, #reap do ids[#ids + 1] = reap[i] end
for i = 0, n - 1 do ids[#ids + 1] = ARGV[10 + 4 * i] end
if rid ~= '' then ids[#ids + 1] = rid end
local cache = {}
if #ids == 0 then
  -- Nothing below reads the holds hash: check its type all the same.
  local hl = redis.pcall('HLEN', KEYS[2])
  if type(hl) == 'table' and hl.err then return corrupt(KEYS[2] .. ': ' .. hl.err) end
else
  local hv = redis.pcall('HMGET', KEYS[2], unpack(ids))
  if hv.err then return corrupt(KEYS[2] .. ': ' .. hv.err) end
  for i = 1, #ids do
    local h = parse(hv[i])
    if h == nil then return corrupt(KEYS[2] .. ': hold ' .. ids[i] .. ' has an unknown state') end
    cache[ids[i]] = h
  end
end

local dirtyDay = false
local dirtyHolds = {}
local zrem = {}
local zadd = {}

-- 2. reap expired leases
for i = 1, #reap do
  local id = reap[i]
  local h = cache[id]
  if h.st == 'a' then
    held = held - h.amt
    h.st = 'x'
    h.amt = 0
    dirtyHolds[id] = h
    dirtyDay = true
  end
  zrem[#zrem + 1] = id
end

-- 3. hold updates
for i = 0, n - 1 do
  local id = ARGV[10 + 4 * i]
  local cum = tonumber(ARGV[11 + 4 * i])
  local amt = tonumber(ARGV[12 + 4 * i])
  local fin = tonumber(ARGV[13 + 4 * i])
  local h = cache[id]
  if cum > h.sp then
    spent = spent + (cum - h.sp)
    h.sp = cum
    dirtyDay = true
  end
  if h.st == 'a' then
    if fin ~= 0 or amt == 0 then
      -- Its lease entry stays: reaping removes it once the lease is over,
      -- in a batch, which saves a command on every settlement.
      held = held - h.amt
      h.amt = 0
      if fin == 2 then h.st = 'r' else h.st = 's' end
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
  dirtyHolds[id] = h
end
if held < 0 then held = 0 end

-- 4. learn the organisation's remaining credits
if obsRem >= 0 then
  if low == nil or obsRem < low then low = obsRem end
  if obsAllot > 0 then
    local cand = obsAllot - obsRem - spent
    if cand > ext then ext = cand end
  end
  dirtyDay = true
end

-- 5. reserve
local okr, granted, avail = -1, 0, limit - spent - ext - held
if rid ~= '' then
  local h = cache[rid]
  if h.st == 'a' then
    okr, granted = 1, h.amt
  elseif h.st ~= 'none' then
    okr = 0
  elseif avail >= rmin then
    granted = rmax
    if avail < granted then granted = avail end
    held = held + granted
    h.st, h.amt = 'a', granted
    dirtyHolds[rid] = h
    zadd[#zadd + 1] = now + lease
    zadd[#zadd + 1] = rid
    dirtyDay = true
    okr = 1
  else
    okr = 0
  end
end

-- 6. write
if dirtyDay then
  local f = {'spent', fmt(spent), 'held', fmt(held), 'ext', fmt(ext)}
  if low ~= nil then f[#f + 1] = 'low'; f[#f + 1] = fmt(low) end
  redis.call('HSET', KEYS[1], unpack(f))
end
local hf = {}
for id, h in pairs(dirtyHolds) do
  hf[#hf + 1] = id
  if h.st == 'a' then hf[#hf + 1] = 'a|' .. fmt(h.amt) .. '|' .. fmt(h.sp)
  else hf[#hf + 1] = h.st .. '|' .. fmt(h.sp) end
end
local create = newDay and (dirtyDay or #hf > 0 or #zadd > 0)
if create then
  -- The day's first write: the three keys are created together, each with
  -- a sentinel that is never removed ('~' is no hold ID; a lease that never
  -- expires is never reaped), so they exist, and expire, together.
  hf[#hf + 1] = '~'
  hf[#hf + 1] = 's|0'
  zadd[#zadd + 1] = '+inf'
  zadd[#zadd + 1] = '~'
  if not dirtyDay then
    redis.call('HSET', KEYS[1], 'spent', fmt(spent), 'held', fmt(held), 'ext', fmt(ext))
  end
end
if #hf > 0 then redis.call('HSET', KEYS[2], unpack(hf)) end
if #zrem > 0 then redis.call('ZREM', KEYS[3], unpack(zrem)) end
if #zadd > 0 then redis.call('ZADD', KEYS[3], unpack(zadd)) end
if create then
  redis.call('PEXPIREAT', KEYS[1], expAt, 'NX')
  redis.call('PEXPIREAT', KEYS[2], expAt, 'NX')
  redis.call('PEXPIREAT', KEYS[3], expAt, 'NX')
end
return {okr, granted, avail, spent, held, ext, low or -1, stopv or 0, now}
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
