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
//     removed, and a hold whose state the update leaves as it was is not
//     rewritten;
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
// Reaping aside, a run issues each command at most once, with all the
// holds it concerns: TIME, one HMGET, GET, one ZREM, one ZADD (a ZCARD
// instead when the run neither reads nor writes the lease set), one HSET,
// and PEXPIREAT on each day key on the day's first write. Reaping adds up to two ZRANGEBYSCORE and
// one HMGET of the reaped holds the call did not name. The Lua work per hold is kept small: hold states
// live in three tables keyed by hold ID (no table per hold), a state is
// read with one pattern match and written with one string.format, and the
// lists handed to the commands are filled by index.
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
local match, format, tonumber = string.match, string.format, tonumber
local function int(v)
  if not v then return nil, true end
  if #v > 15 or not match(v, '^%d+$') then return nil, false end
  return tonumber(v), true
end

-- Hold states by hold ID: S 'n' (no such hold), 'a', 's', 'r' or 'x';
-- A the amount held; P the spend charged.
local S, A, P = {}, {}, {}
local function load(id, v)
  if not v then
    S[id], A[id], P[id] = 'n', 0, 0
    return true
  end
  if #v > 40 then return false end
  local c, x, bar, y = match(v, '^([asrx])|(%d+)(|?)(%d*)$')
  if c == 'a' then
    if bar == '' or y == '' then return false end
    S[id], A[id], P[id] = 'a', tonumber(x), tonumber(y)
  elseif c and bar == '' then
    S[id], A[id], P[id] = c, 0, tonumber(x)
  else
    return false
  end
  return true
end

local K, KL = KEYS[1], KEYS[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local m = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local rN = 2 + 5 * m -- last reservation's first argument
local u0 = 7 + 5 * m -- first update argument
local uN = u0 + 4 * n - 4 -- last update's first argument

-- 1. read and validate
local f = {'spent', 'held', 'ext', 'low', 'due'}
local nf = 5
for j = u0, uN, 4 do nf = nf + 1; f[nf] = ARGV[j] end
for j = 7, rN, 5 do nf = nf + 1; f[nf] = ARGV[j] end
local d = redis.pcall('HMGET', K, unpack(f, 1, nf))
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
for i = 6, nf do
  local id = f[i]
  if S[id] == nil and not load(id, d[i]) then
    return corrupt(K .. ': hold ' .. id .. ' has an unknown state')
  end
end

-- Writes, gathered for one command each: dirty lists the holds whose
-- state changed (nd), zrem the lease entries to remove (nz), zadd score,
-- member pairs (na).
local dirty, nd = {}, 0
local zrem, nz = {}, 0
local zadd, na = {}, 0
local dirtyDay = false
local dueDirty = false
local touched = false -- the lease set was read

-- 2. reap expired leases, when one can be due
if due == nil or (due > 0 and due <= now) then
  local reap = redis.pcall('ZRANGEBYSCORE', KL, '-inf', now, 'LIMIT', 0, 64)
  if reap.err then return corrupt(KL .. ': ' .. reap.err) end
  touched = true
  local miss, nm = {}, 0
  for i = 1, #reap do
    if S[reap[i]] == nil then nm = nm + 1; miss[nm] = reap[i] end
  end
  if nm > 0 then
    local hv = redis.call('HMGET', K, unpack(miss, 1, nm))
    for i = 1, nm do
      if not load(miss[i], hv[i]) then
        return corrupt(K .. ': hold ' .. miss[i] .. ' has an unknown state')
      end
    end
  end
  for i = 1, #reap do
    local id = reap[i]
    if S[id] == 'a' then
      held = held - A[id]
      S[id], A[id] = 'x', 0
      nd = nd + 1; dirty[nd] = id
      dirtyDay = true
    end
    nz = nz + 1; zrem[nz] = id
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

-- 3. hold updates; a hold whose state does not change is not rewritten
local lease = tonumber(ARGV[2])
for j = u0, uN, 4 do
  local id = ARGV[j]
  local cum = tonumber(ARGV[j + 1])
  local fin = tonumber(ARGV[j + 3])
  local st = S[id]
  local changed = false
  if cum > P[id] then
    spent = spent + (cum - P[id])
    P[id] = cum
    dirtyDay, changed = true, true
  end
  if st == 'a' then
    local amt = tonumber(ARGV[j + 2])
    if fin ~= 0 or amt == 0 then
      held = held - A[id]
      A[id] = 0
      if fin == 2 then S[id] = 'r' else S[id] = 's' end
      nz = nz + 1; zrem[nz] = id
    else
      held = held + amt - A[id]
      A[id] = amt
      zadd[na + 1], zadd[na + 2] = now + lease, id
      na = na + 2
    end
    dirtyDay, changed = true, true
  elseif st == 'n' then
    if fin == 2 then S[id] = 'r' elseif fin == 1 then S[id] = 's' else S[id] = 'x' end
    changed = true
  elseif st == 'x' and fin ~= 0 then
    if fin == 2 then S[id] = 'r' else S[id] = 's' end
    changed = true
  end
  if changed then nd = nd + 1; dirty[nd] = id end
end
if held < 0 then held = 0 end

-- 4. learn the organisation's remaining credits
local obsRem = tonumber(ARGV[3])
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
local r = {0, 0, 0, 0, 0, 0}
local nr = 6
for j = 7, rN, 5 do
  local id = ARGV[j]
  local avail = tonumber(ARGV[j + 3]) - spent - ext - held
  local st = S[id]
  local okr, granted = 0, 0
  if st == 'a' then
    okr, granted = 1, A[id]
  elseif st == 'n' and avail >= tonumber(ARGV[j + 1]) then
    granted = tonumber(ARGV[j + 2])
    if avail < granted then granted = avail end
    held = held + granted
    S[id], A[id] = 'a', granted
    nd = nd + 1; dirty[nd] = id
    zadd[na + 1], zadd[na + 2] = now + tonumber(ARGV[j + 4]), id
    na = na + 2
    dirtyDay = true
    okr = 1
  end
  r[nr + 1], r[nr + 2], r[nr + 3] = okr, granted, avail
  nr = nr + 3
end
r[1], r[2], r[3], r[4], r[5], r[6] = spent, held, ext, low or -1, stopv or 0, now

-- 6. write
for i = 1, na, 2 do
  if due == nil or due == 0 or zadd[i] < due then due = zadd[i]; dueDirty = true end
end
if newDay and not (dirtyDay or nd > 0 or na > 0 or nz > 0) then
  -- Nothing to keep: a day nobody wrote is not created by looking at it.
  -- (Reaping read the lease set, so its type is checked.)
  return r
end
if newDay then
  zadd[na + 1], zadd[na + 2] = '+inf', '~'
  na = na + 2
end
local zerr
if not touched and nz == 0 and na == 0 then
  -- Nothing below meets the lease set: check its type all the same.
  zerr = redis.pcall('ZCARD', KL)
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
end
if nz > 0 then
  zerr = redis.pcall('ZREM', KL, unpack(zrem, 1, nz))
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
end
if na > 0 then
  zerr = redis.pcall('ZADD', KL, unpack(zadd, 1, na))
  if type(zerr) == 'table' and zerr.err then return corrupt(KL .. ': ' .. zerr.err) end
end
if dirtyDay or dueDirty or nd > 0 or newDay then
  local w, nw = {}, 0
  if dirtyDay or newDay then
    w[1], w[2], w[3], w[4], w[5], w[6] = 'spent', spent, 'held', held, 'ext', ext
    nw = 6
    if low ~= nil then
      w[7], w[8] = 'low', low
      nw = 8
    end
  end
  if dueDirty or newDay then
    w[nw + 1], w[nw + 2] = 'due', due or 0
    nw = nw + 2
  end
  for i = 1, nd do
    local id = dirty[i]
    local st = S[id]
    w[nw + 1] = id
    if st == 'a' then w[nw + 2] = format('a|%d|%d', A[id], P[id])
    else w[nw + 2] = format('%s|%d', st, P[id]) end
    nw = nw + 2
  end
  redis.call('HSET', K, unpack(w, 1, nw))
end
if newDay then
  local expAt = tonumber(ARGV[1])
  if expAt == 0 then expAt = now + 50 * 3600 * 1000 end
  redis.call('PEXPIREAT', K, expAt, 'NX')
  redis.call('PEXPIREAT', KL, expAt, 'NX')
end
return r
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
