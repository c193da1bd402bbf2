// Package redisledger is a [credits.Ledger] kept in Redis, so that many
// processes (workers, pods, cron jobs) spend one Zoho Desk organisation's
// credits against one cap and together never overrun it.
//
// It is for fleets. A single process is better served by the in-memory
// ledger of package credits, which makes no round trips.
//
// # Decisions
//
// Every decision is one Lua script run atomically on the Redis server with
// EVALSHA (falling back to EVAL when the server lost the script). The script
// reads the server's clock with TIME; the clocks of the processes are never
// compared. Reserve passes iff, on the request's day,
//
//	spent + external + held + Amount <= Limit
//
// where external = max over settlements and observations of
// (allotment - remaining - spent after that settlement), at least 0, so that
// OrgSpent = spent + external is never below allotment - lowest remaining.
//
// # Keys
//
// All keys of an organisation share the hash tag {OrgKey}, so every script
// touches one Redis Cluster slot:
//
//	<prefix>{<org>}:day:<day>     hash: spent, held, ext, low
//	<prefix>{<org>}:holds:<day>   hash: hold ID -> "a|amount|spent", "s|spent", "r|spent", "x|spent"
//	<prefix>{<org>}:leases:<day>  sorted set: hold ID -> lease expiry (ms, server clock)
//	<prefix>{<org>}:stop          the THRESHOLD_EXCEEDED stop, ms since the epoch
//
// The three day keys are created together by the day's first write, each
// with a sentinel member "~" so that none vanishes when emptied.
//
// Day keys expire together, Options.Retention after the day's reset (the
// ReserveRequest's Reset; for calls without one, 36 hours after the date's
// midnight UTC, the latest a calendar day ends anywhere). The stop key
// expires Retention after the stop ends.
//
// # Leases
//
// Every hold is a lease. Each script run first reaps up to 64 lease entries
// that expired (the credits of a hold still active stop being held and the
// hold is marked "x"; an ended hold's entry is just removed), so
// the credits of a process killed while holding them come back after at most
// Options.Lease. A late Settle of a reaped hold is still charged, once:
// updates carry absolute values, so a retried or repeated call changes
// nothing twice.
//
// # Local leasing
//
// With Options.Chunk > 0 a process reserves credits in chunks (one hold in
// Redis) and hands them out locally. A chunk serves a request only when it
// was reserved under a limit no higher than the request's and has at least
// Options.CallTimeout of its lease left. What a chunk did not hand out goes
// back to Redis in the same round trip that takes the next chunk, when the
// process moves to a new day, and on Close; the spend of a chunk is written
// when its last call ends. Remaining credits learnt from responses are
// written with the next round trip, or at once when they show more spend by
// others than a chunk.
//
// # Outages
//
// When Redis cannot be reached the ledger fails closed: it grants at most
// Options.LocalShare credits per outage, and only what the last state Redis
// gave shows to fit; settlements, observations and stops are kept and
// written when Redis answers again (one caller tries every
// Options.RetryInterval). Options.OnOutage and Options.OnRecover report the
// change. Values in Redis that the scripts did not write are reported as
// *CorruptError (matching ErrCorrupt and credits.ErrLedgerUnavailable) and
// neither trusted nor overwritten; they are not an outage.
//
// # Deferred settlement
//
// Settle and Release of a hold reserved in Redis record the hold's end
// locally and return at once (Options.SettleDelay, 20ms by default). The
// next round trip for the same day, usually the next Reserve, carries the
// pending ends; the script applies them before it decides, so a process's
// own settlements count for its next reservation. A flusher owned by the
// Ledger (a timer, with no goroutine while idle) writes them when no round
// trip comes in time; Snapshot writes them first, and Close writes them
// and stops the flusher. Until written a hold stays held in Redis, which
// only makes other processes more conservative. A settlement that costs
// more than its hold is written at once. SettleSync restores one round trip
// per Settle and Release.
//
// # Benchmarks
//
// BenchmarkRedisLedger, Redis 7 on the same 2-CPU virtual machine as the
// benchmark, go test -bench with RunParallel (GOMAXPROCS goroutines); the
// ratio is against redis_rate measured in the same run, and the machine is
// noisy (redis_rate itself ranged from 22 to 42 µs/op between runs):
//
//	redis_rate v10 AllowN                 22-42 µs/decision   1 Redis call
//	reserve+settle (deferred, default)    56-75 µs/decision   1.006 Redis calls   0.35-0.50x redis_rate
//	reserve+settle, SettleSync           106-147 µs/decision  2 Redis calls       0.16-0.26x redis_rate
//	reserve+settle, Chunk=200            1.5-2.4 µs/decision  0.015 Redis calls   11-24x redis_rate
//
// Deferred settlement halves the round trips, but one decision still costs
// about 1.5-2x an AllowN: the script runs 8 Redis commands (TIME, two
// HMGETs, GET, ZRANGEBYSCORE, two HSETs, ZADD; about 20 µs on the server)
// against GCRA's 3 (about 4 µs). With leasing a busy process makes about one
// Redis call per 65 API calls.
package redisledger
