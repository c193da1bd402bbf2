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
//  6. writes what changed with one HSET of the day hash: only the totals,
//     marks, buckets and hold states the run changed; the day's first
//     write creates the day hash and sets its expiry.
//
// A run issues TIME, one HMGET, GET (the stop key) and one HSET, however
// many holds it carries; reaping adds one HMGET and one HDEL, a hold whose
// bucket was not read adds an HGET, and the day's first write a PEXPIREAT.
//
// The script is written for Redis's CPU, which every process of the
// organisation shares (measured with callgrind on Redis 7.0: about 160k
// instructions for a reservation plus a settlement, against 215k for the
// plainer form it replaced): it builds no table by growing it from empty
// when a sized constructor can hold it, keeps holds by their position in
// the HMGET rather than in tables keyed by ID, converts ARGV (which only
// this package writes) with arithmetic instead of tonumber (which parses
// each string twice), and formats every number it writes with
// string.format('%d') (Redis would format a Lua number with "%.17g",
// which costs 1.6 times as much).
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
// live buckets. Totals of 1e15 credits or more are refused as corrupt.
//
// Reply: {spent, held, ext, low (-1 = none), stop-until (ms, 0 = none), now
// (ms)}, then per reservation {ok (1 or 0), granted, available before it}.
const syncSource = `
local K = KEYS[1]
local tonumber, floor, fmt = tonumber, math.floor, string.format
local W = 1000 -- bucketMS
local M = 2097152
local BAD = '` + corruptMarker + ` '
-- count returns x as a non-negative integer below 1e15, or nil and the
-- corrupt reply that names key (and field).
local function count(x, key, field)
  local v = tonumber(x)
  if not v or v < 0 or v % 1 ~= 0 or v >= 1e15 then
    if field then key = key .. ': ' .. field end
    return nil, redis.error_reply(BAD .. key .. ' is not a non-negative integer')
  end
  return v
end
-- ACTIVE matches the string state of an active hold: amount, spend, bucket.
local ACTIVE = '^a|(%d+)|(%d+)|(%d+)$'
local t = redis.call('TIME')
local now = t[1] * 1000 + floor(t[2] / 1000)
local ep = floor(now / W) -- buckets up to ep are over
local L = ARGV[2]
local e0 = floor((now + L + W - 1) / W) -- the usual lease's bucket
local b0 = fmt('b%d', e0)
local m, n = ARGV[5] + 0, ARGV[6] + 0
local u0 = 7 + 5 * m -- first update argument
local h0 = 7 + n -- fields h0+1 .. h0+m are the reservations' holds

-- 1. read and validate
local f = {'spent', 'held', 'ext', 'low', 'rp', 'hi', b0, false, false, false, false}
for i = 1, n do f[7 + i] = ARGV[u0 + 4 * i - 4] end
for i = 1, m do f[h0 + i] = ARGV[2 + 5 * i] end
local nf = h0 + m
local d = redis.pcall('HMGET', K, unpack(f, 1, nf))
if d.err then return redis.error_reply(BAD .. K .. ': ' .. d.err) end
for i = 1, 7 do
  local v = d[i]
  if v then
    -- count's test, inline on this path, which every run takes (a Lua call
    -- costs about 1k instructions); count words the error.
    local x = tonumber(v)
    if not x or x < 0 or x % 1 ~= 0 or x >= 1e15 then
      local _, err = count(v, K, f[i])
      return err
    end
    d[i] = x
  end
end
-- d[k] for a hold's field k becomes its state: a number, an ACTIVE string,
-- or false for none.
for k = 8, nf do
  local v = d[k]
  if v then
    local x, ok = tonumber(v), false
    if x then
      ok = x % 1 == 0 and x ~= 0 and x < 9e15 and x > -9e15 and (x > 0 or -x % 4 ~= 0)
      d[k] = x
    else
      ok = #v <= 60 and string.match(v, ACTIVE) ~= nil
    end
    if not ok then
      return redis.error_reply(BAD .. K .. ': hold ' .. f[k] .. ' has an unknown state')
    end
  end
end
local spent, held, ext, low, rp, hi = d[1] or 0, d[2] or 0, d[3] or 0, d[4] or nil, d[5] or nil, d[6] or 0
local newDay = not d[1]
local stop = redis.pcall('GET', KEYS[2])
if stop then
  -- a key of another type replies with an error table: not a count either
  local s, err = count(stop, KEYS[2])
  if err then return err end
  stop = s
end

-- 2. reap the buckets whose time is over
local bv = d[7] or 0 -- credits of bucket e0
local B = nil -- bucket -> credits, for the other buckets read
local mark, del, ndel = false, nil, 0
local held0 = held
if not rp then
  rp, mark = ep, true
elseif ep > rp then
  del = {}
  if hi <= ep then
    -- every bucket is over: nothing is held any longer
    held = 0
    for e = rp + 1, hi do
      if ndel == 1000 then break end
      ndel = ndel + 1; del[ndel] = fmt('b%d', e)
    end
    rp = ep
  else
    local top = ep
    if top > rp + 1000 then top = rp + 1000 end
    local names = {}
    for e = rp + 1, top do names[e - rp] = fmt('b%d', e) end
    local r = redis.call('HMGET', K, unpack(names, 1, top - rp))
    for i = 1, top - rp do
      if r[i] then
        local x, err = count(r[i], K, names[i])
        if err then return err end
        held = held - x
        ndel = ndel + 1; del[ndel] = names[i]
      end
    end
    if held < 0 then held = 0 end
    rp = top
  end
  mark = true
end
local bw = false -- bucket e0 changed
-- add puts a credits into bucket e (reading it first if need be); it
-- returns an error reply when the bucket holds something else.
local function add(e, a)
  if e == e0 then
    bv = bv + a; bw = true
    return nil
  end
  if not B then B = {} end
  local b = B[e]
  if b == nil then
    local name = fmt('b%d', e)
    local x = redis.call('HGET', K, name)
    b = 0
    if x then
      local err
      b, err = count(x, K, name)
      if err then return err end
    end
  end
  B[e] = b + a
  return nil
end

-- w collects the writes: field, value pairs (the totals come last).
local w = {false, false, false, false, false, false, false, false, false, false, false, false}
local nw = 0
-- state decodes a hold's state as validated above: c (0 none, 1 active,
-- 2 settled, 3 released, 4 expired), credits held, spend charged, lease
-- bucket.
local function state(v)
  if not v then return 0, 0, 0, 0 end
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
-- put records hold id's new state (as state decodes it) for the write and
-- returns it as stored.
local function put(id, c, a, p, e)
  local v, s
  if c ~= 1 then
    v = -(4 * p + c - 1)
  elseif p == 0 and a < M then
    v = e * M + a
  else
    v = fmt('a|%d|%d|%d', a, p, e)
    s = v
  end
  w[nw + 1], w[nw + 2] = id, s or fmt('%d', v)
  nw = nw + 2
  return v
end

-- 3. hold updates; a hold whose state does not change is not rewritten.
local ds, dh = false, held ~= held0 -- spent, held changed
for i = 1, n do
  local k = 7 + i
  local j = u0 + 4 * i - 4
  local id = f[k]
  local was = d[k]
  -- the same hold named earlier in this run: start from what that left
  for q = k - 1, 8, -1 do
    if f[q] == id then was = d[q]; break end
  end
  local c, a, p, e = state(was)
  local c1, a1, p1, e1 = c, a, p, e -- as stored
  if c == 1 and e <= rp then c = 4 end -- its lease ran out
  local cum = ARGV[j + 1] + 0
  if cum > p then
    spent = spent + cum - p
    p = cum
    ds = true
  end
  local fin = ARGV[j + 3]
  if c == 1 then
    local err = add(e, -a)
    if err then return err end
    held = held - a
    dh = true
    local amt = fin == '0' and ARGV[j + 2] + 0 or 0
    if amt == 0 then
      if fin == '2' then c = 3 else c = 2 end
    else
      -- still active: held anew for amt, under a new lease
      held = held + amt
      a, e = amt, e0
      bv = bv + amt; bw = true
      if e0 > hi then hi, mark = e0, true end
    end
  elseif c == 0 then
    if fin == '2' then c = 3 elseif fin == '1' then c = 2 else c = 4 end
  elseif c == 4 and fin ~= '0' then
    if fin == '2' then c = 3 else c = 2 end
  end
  if c ~= c1 or a ~= a1 or p ~= p1 or e ~= e1 then d[k] = put(id, c, a, p, e) else d[k] = was end
end
if held < 0 then held = 0 end

-- 4. learn the organisation's remaining credits
local dx = false -- ext or low changed
local obsRem = ARGV[3] ~= '-1' and ARGV[3] + 0 or -1
if obsRem >= 0 then
  if low == nil or obsRem < low then low, dx = obsRem, true end
  local allot = ARGV[4] + 0
  if allot > 0 then
    local cand = allot - obsRem - spent
    if cand > ext then ext, dx = cand, true end
  end
end

-- 5. reserve, in order: each reservation sees the holds granted before it
local r = {0, 0, 0, 0, 0, 0}
local nr = 6
for i = 1, m do
  local k = h0 + i
  local j = 2 + 5 * i
  local id = f[k]
  local avail = ARGV[j + 3] - spent - ext - held
  local v = d[k]
  for q = k - 1, 8, -1 do
    if f[q] == id then v = d[q]; break end
  end
  local okr, granted = 0, 0
  if not v then
    if avail >= ARGV[j + 1] + 0 then
      granted = ARGV[j + 2] + 0
      if avail < granted then granted = avail end
      local e = e0
      if ARGV[j + 4] ~= L then
        e = floor((now + ARGV[j + 4] + W - 1) / W)
      end
      local err = add(e, granted)
      if err then return err end
      held = held + granted
      dh = true
      if e > hi then hi, mark = e, true end
      d[k] = put(id, 1, granted, 0, e)
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
if newDay and nw == 0 and not (ds or dh or dx) then
  -- Nothing to keep: a day nobody wrote is not created by looking at it.
  return r
end
if ndel > 0 then redis.call('HDEL', K, unpack(del, 1, ndel)) end
if ds or newDay then w[nw + 1], w[nw + 2] = 'spent', fmt('%d', spent); nw = nw + 2 end
if dh or newDay then w[nw + 1], w[nw + 2] = 'held', fmt('%d', held); nw = nw + 2 end
if dx then
  w[nw + 1], w[nw + 2] = 'ext', fmt('%d', ext); nw = nw + 2
  if low ~= nil then w[nw + 1], w[nw + 2] = 'low', fmt('%d', low); nw = nw + 2 end
end
if mark or newDay then
  w[nw + 1], w[nw + 2], w[nw + 3], w[nw + 4] = 'rp', fmt('%d', rp), 'hi', fmt('%d', hi)
  nw = nw + 4
end
if bw then w[nw + 1], w[nw + 2] = b0, fmt('%d', bv); nw = nw + 2 end
if B then
  for e, b in pairs(B) do
    w[nw + 1], w[nw + 2] = fmt('b%d', e), fmt('%d', b)
    nw = nw + 2
  end
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
