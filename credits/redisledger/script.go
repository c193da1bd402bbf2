package redisledger

import "github.com/redis/go-redis/v9"

// corruptMarker starts every error reply the scripts send when a key holds
// something they did not write.
const corruptMarker = "ZDLEDGER corrupt:"

// bucketMS is the width of a lease bucket: a hold's lease ends with the
// bucket that holds the instant its lease runs out, so it lasts between its
// lease and its lease plus bucketMS. Every process of an organisation must
// use the same value; it is part of the key layout.
const bucketMS = 1000

// syncSource is the one script through which every decision on a credit day
// passes. It runs atomically on the Redis server, reads the time with TIME
// and, in this order:
//
//  1. reads and validates everything it will touch: one HMGET of the day
//     hash brings the day's totals, its reaping marks, the lease bucket of
//     the usual lease and the states of the holds the call names (nothing
//     is written when a key holds a value the script did not write);
//  2. when a bucket boundary has passed since the last run, reaps the
//     buckets whose time is over: their credits stop being held (one more
//     HMGET and an HDEL, at most once a second);
//  3. applies hold updates: ARGV quadruples of absolute values, so that a
//     retried call changes nothing twice; a hold that stays active is
//     moved to the bucket of a new lease, and a hold whose state the update
//     leaves as it was is not rewritten;
//  4. learns the organisation's remaining credits, after the updates' spend;
//  5. decides the reservations it carries, in order, each one seeing the
//     holds granted before it (a group commit of several callers);
//  6. writes what changed with one HSET of the day hash; the day's first
//     write creates the day hash and sets its expiry.
//
// A run issues TIME, one HMGET, GET (the stop key) and one HSET, however
// many holds it carries; reaping adds one HMGET and one HDEL, a hold whose
// bucket was not read adds an HGET, and the day's first write a PEXPIREAT.
// Hold states are plain integers, which Redis hands to Lua and back without
// any string work: only a hold with spend charged while still active (a
// leased chunk) or an amount of 2^21 credits or more is kept as a string.
//
// KEYS: 1 day hash; 2 the organisation's stop key (read only).
//
// ARGV: 1 expire-at (ms, 0 = now + 50h); 2 lease of updated holds (ms);
// 3 remaining (-1 = none); 4 allotment; 5 reservation count m; 6 update
// count n; then m times: id, min, max, limit, lease (ms); then n times: id,
// cumulative spend, new amount, end (0 keep, 1 settle, 2 release).
//
// Day hash fields: spent, held, ext, low (the day's totals); rp (every
// bucket up to rp is reaped), hi (the highest bucket a hold was put in);
// "b<bucket>" (credits held by the active holds whose lease ends with that
// bucket; a bucket is a second since the epoch); and per hold ID its state:
//
//	E*2^21 + A        active, A credits held, nothing charged, lease bucket E
//	"a|A|P|E"         active, A held, P charged (any other active hold)
//	-(4P + 1)         settled, P charged
//	-(4P + 2)         released, P charged
//	-(4P + 3)         expired: its bucket was reaped before it ended, P charged
//
// An active hold whose bucket is at most rp has expired too: reaping only
// moves rp and drops the buckets, not the holds. held is the sum of the
// live buckets. Numbers are handed to redis.call as Lua numbers, which
// Redis writes as plain integers below 1e17; totals above 1e15 are refused.
//
// Reply: {spent, held, ext, low (-1 = none), stop-until (ms, 0 = none), now
// (ms)}, then per reservation {ok (1 or 0), granted, available before it}.
const syncSource = `
local K = KEYS[1]
local tonumber, floor = tonumber, math.floor
local W = 1000 -- bucketMS
local function bad(msg) return redis.error_reply('` + corruptMarker + ` ' .. msg) end
-- count returns x as a count, or the corrupt reply that names it.
local function count(x, name)
  local v = tonumber(x)
  if not v or v < 0 or v % 1 ~= 0 or v >= 1e15 then
    return nil, bad(name .. ' is not a non-negative integer')
  end
  return v
end
-- ACTIVE matches the string state of an active hold: amount, spend, bucket.
local ACTIVE = '^a|(%d+)|(%d+)|(%d+)$'
local t = redis.call('TIME')
local now = t[1] * 1000 + floor(t[2] / 1000)
local ep = floor(now / W) -- buckets up to ep are over
local L = ARGV[2]
-- expiry returns the bucket of a lease of ms milliseconds taken now.
local function expiry(ms) return floor((now + ms + W - 1) / W) end
local e0 = expiry(tonumber(L)) -- the usual lease's bucket
local m, n = tonumber(ARGV[5]), tonumber(ARGV[6])
local rN = 2 + 5 * m -- last reservation's first argument
local u0 = 7 + 5 * m -- first update argument
local uN = u0 + 4 * n - 4 -- last update's first argument

-- 1. read and validate
local f = {'spent', 'held', 'ext', 'low', 'rp', 'hi', 'b' .. e0}
local nf = 7
for j = u0, uN, 4 do nf = nf + 1; f[nf] = ARGV[j] end
for j = 7, rN, 5 do nf = nf + 1; f[nf] = ARGV[j] end
local d = redis.pcall('HMGET', K, unpack(f, 1, nf))
if d.err then return bad(K .. ': ' .. d.err) end
local M = 2097152
-- V: hold ID -> its state as stored (a number or a string)
local V = {}
for i = 1, nf do
  local v = d[i]
  if i <= 7 then
    if v then
      local x, e = count(v, K .. ': ' .. f[i])
      if e then return e end
      d[i] = x
    else
      d[i] = nil
    end
  elseif v then
    local x = tonumber(v)
    if x then
      if x % 1 ~= 0 or x == 0 or x >= 9e15 or x <= -9e15 or (x < 0 and -x % 4 == 0) then
        return bad(K .. ': hold ' .. f[i] .. ' has an unknown state')
      end
      V[f[i]] = x
    elseif #v > 60 or not string.match(v, ACTIVE) then
      return bad(K .. ': hold ' .. f[i] .. ' has an unknown state')
    else
      V[f[i]] = v
    end
  end
end
local spent, held, ext, low, rp, hi = d[1], d[2], d[3], d[4], d[5], d[6]
local newDay = spent == nil
spent, held, ext, hi = spent or 0, held or 0, ext or 0, hi or 0
local stop = redis.pcall('GET', KEYS[2])
if stop then
  -- a key of another type replies with an error table: not a count either
  local s, err = count(type(stop) == 'string' and stop, KEYS[2])
  if err then return err end
  stop = s
end

-- state decodes a hold's state: c (0 none, 1 active, 2 settled, 3
-- released, 4 expired), credits held, spend charged, lease bucket.
local function state(v)
  if v == nil then return 0, 0, 0, 0 end
  if type(v) == 'string' then
    local a, p, e = string.match(v, ACTIVE)
    return 1, tonumber(a), tonumber(p), tonumber(e)
  end
  if v > 0 then
    local a = v % M
    return 1, a, 0, (v - a) / M
  end
  local c = -v % 4
  return c + 1, 0, (-v - c) / 4, 0
end

-- encode is the state stored for a hold in state c (as state returns it).
local function encode(c, a, p, e)
  if c ~= 1 then return -(4 * p + c - 1) end
  if p == 0 and a < M then return e * M + a end
  return string.format('a|%d|%d|%d', a, p, e)
end

-- 2. reap the buckets whose time is over
local B = {} -- bucket -> credits, for the buckets read
B[e0] = d[7] or 0
local mark, del, ndel = false, {}, 0
local held0 = held
if rp == nil then
  rp, mark = ep, true
elseif ep > rp then
  if hi <= ep then
    -- every bucket is over: nothing is held any longer
    held = 0
    for e = rp + 1, hi do
      if ndel == 1000 then break end
      ndel = ndel + 1; del[ndel] = 'b' .. e
    end
    rp = ep
  else
    local top = ep
    if top > rp + 1000 then top = rp + 1000 end
    local names = {}
    for e = rp + 1, top do names[e - rp] = 'b' .. e end
    local bv = redis.call('HMGET', K, unpack(names, 1, top - rp))
    for i = 1, top - rp do
      if bv[i] then
        local x, e = count(bv[i], K .. ': ' .. names[i])
        if e then return e end
        held = held - x
        ndel = ndel + 1; del[ndel] = names[i]
      end
    end
    if held < 0 then held = 0 end
    rp = top
  end
  mark = true
end
local day = held ~= held0 -- the day's totals must be written
-- bucket returns the credits of bucket e, reading it if need be.
local function bucket(e)
  local b = B[e]
  if b == nil then
    local x = redis.call('HGET', K, 'b' .. e)
    b = 0
    if x then
      local v, err = count(x, K .. ': b' .. e)
      if err then return nil, err end
      b = v
    end
    B[e] = b
  end
  return b
end

-- 3. hold updates; a hold whose state does not change is not rewritten
local dirty, nd = {}, 0 -- holds whose state changed
local bd, nb = {}, 0 -- buckets that changed
for j = u0, uN, 4 do
  local id = ARGV[j]
  local cum = tonumber(ARGV[j + 1])
  local fin = tonumber(ARGV[j + 3])
  local was = V[id]
  local c, a, p, e = state(was)
  if c == 1 and e <= rp then c = 4 end -- its lease ran out
  if cum > p then
    spent = spent + cum - p
    p = cum
    day = true
  end
  if c == 1 then
    local b, err = bucket(e)
    if err then return err end
    B[e] = b - a
    nb = nb + 1; bd[nb] = e
    held = held - a
    local amt = tonumber(ARGV[j + 2])
    if fin ~= 0 or amt == 0 then
      if fin == 2 then c = 3 else c = 2 end
    else
      -- still active: held anew for amt, under a new lease
      held = held + amt
      a, e = amt, e0
      B[e0] = B[e0] + amt
      nb = nb + 1; bd[nb] = e0
      if e0 > hi then hi, mark = e0, true end
    end
    day = true
  elseif c == 0 then
    if fin == 2 then c = 3 elseif fin == 1 then c = 2 else c = 4 end
  elseif c == 4 and fin ~= 0 then
    if fin == 2 then c = 3 else c = 2 end
  end
  local v = encode(c, a, p, e)
  if v ~= was then
    V[id] = v
    nd = nd + 1; dirty[nd] = id
  end
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
  day = true
end

-- 5. reserve, in order: each reservation sees the holds granted before it
local r = {0, 0, 0, 0, 0, 0}
local nr = 6
for j = 7, rN, 5 do
  local id = ARGV[j]
  local avail = tonumber(ARGV[j + 3]) - spent - ext - held
  local v = V[id]
  local okr, granted = 0, 0
  if v == nil then
    if avail >= tonumber(ARGV[j + 1]) then
      granted = tonumber(ARGV[j + 2])
      if avail < granted then granted = avail end
      local e = e0
      if ARGV[j + 4] ~= L then
        e = expiry(tonumber(ARGV[j + 4]))
        local _, err = bucket(e)
        if err then return err end
      end
      held = held + granted
      B[e] = B[e] + granted
      nb = nb + 1; bd[nb] = e
      if e > hi then hi, mark = e, true end
      V[id] = encode(1, granted, 0, e)
      nd = nd + 1; dirty[nd] = id
      day = true
      okr = 1
    end
  else
    -- a retried reservation: granted before unless it ended since
    local c, a, _, e = state(v)
    if c == 1 and e > rp then okr, granted = 1, a end
  end
  r[nr + 1], r[nr + 2], r[nr + 3] = okr, granted, avail
  nr = nr + 3
end
r[1], r[2], r[3], r[4], r[5], r[6] = spent, held, ext, low or -1, stop or 0, now

-- 6. write
if newDay and not day and nd == 0 then
  -- Nothing to keep: a day nobody wrote is not created by looking at it.
  return r
end
if ndel > 0 then redis.call('HDEL', K, unpack(del, 1, ndel)) end
local w, nw = {}, 0
if day or newDay then
  w[1], w[2], w[3], w[4], w[5], w[6] = 'spent', spent, 'held', held, 'ext', ext
  nw = 6
  if low ~= nil then w[7], w[8] = 'low', low; nw = 8 end
end
if mark or newDay then
  w[nw + 1], w[nw + 2], w[nw + 3], w[nw + 4] = 'rp', rp, 'hi', hi
  nw = nw + 4
end
for i = 1, nb do
  local e = bd[i]
  local b = B[e]
  if b then
    w[nw + 1], w[nw + 2] = 'b' .. e, b
    nw = nw + 2
    B[e] = nil -- written once
  end
end
for i = 1, nd do
  local id = dirty[i]
  w[nw + 1], w[nw + 2] = id, V[id]
  nw = nw + 2
end
if nw > 0 then redis.call('HSET', K, unpack(w, 1, nw)) end
if newDay then
  local expAt = tonumber(ARGV[1])
  if expAt == 0 then expAt = now + 50 * 3600 * 1000 end
  redis.call('PEXPIREAT', K, expAt, 'NX')
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
