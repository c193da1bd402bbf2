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
//	<prefix>{<org>}:day:<day>     hash: spent, held, ext, low, due, and per hold ID
//	                              "a|amount|spent", "s|spent", "r|spent" or "x|spent"
//	<prefix>{<org>}:leases:<day>  sorted set: active hold ID -> lease expiry (ms, server clock)
//	<prefix>{<org>}:stop          the THRESHOLD_EXCEEDED stop, ms since the epoch
//
// The day's totals and its holds' states share one hash, so that a decision
// reads them with one HMGET and writes them with one HSET. The two day keys
// are created together by the day's first write; the lease set holds a
// sentinel member "~" (never due) so that it does not vanish when emptied.
//
// Day keys expire together, Options.Retention after the day's reset (the
// ReserveRequest's Reset; for calls without one, 36 hours after the date's
// midnight UTC, the latest a calendar day ends anywhere); their expiry is
// set once, when they are created. The stop key expires Retention after the
// stop ends.
//
// # Leases
//
// Every hold is a lease: its ID stays in the lease set, scored by its
// expiry, until the hold ends. The day hash's "due" is never later than the
// earliest expiry in the set (0 when no hold is active). A script run reads
// the lease set only once due has passed: it then reaps up to 64 expired
// leases (the credits of a hold still active stop being held and the hold
// is marked "x") and sets due to the next expiry. So the credits of a
// process killed while holding them come back after at most Options.Lease,
// at the first call after that, while runs with nothing due never read the
// lease set. A late Settle of a reaped hold is still charged, once: updates
// carry absolute values, so a retried or repeated call changes nothing
// twice.
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
// # Group commit
//
// A Ledger is shared by the goroutines of a process. Reservations they make
// in Redis at the same time (without local leasing) share script runs. A
// caller that finds fewer than two runs in flight sends at once, alone,
// within its own context; no timer ever waits for a group to fill. Callers
// that arrive while two runs are in flight queue; when a run ends, the
// oldest of them leads the next run, which takes the queued reservations
// of its day (at most 64, in arrival order) together with the deferred
// settlements. The script decides them one after the other with the same
// rule, each seeing the holds granted before it, and every caller gets its
// own decision. A run of several callers is bounded by Options.OpTimeout,
// not by any one caller's context: each caller waits within its own. A
// caller whose context ends while queued leaves the queue and reserves
// nothing; one whose context ends while its run is in flight gets the
// context's error, and a hold the run granted it is released with the next
// round trip (or by the flusher), as is the hold of a caller alone whose
// context ended after its script was sent. An error of a run reaches each
// of its callers as it would have reached that caller alone: Redis
// unreachable, the local share; a corrupt value, ErrCorrupt.
//
// # Benchmarks
//
// BenchmarkRedisLedger, Redis 7 on the same 2-CPU virtual machine as the
// benchmark. Both sides run with the same number of goroutines: one
// (serial), GOMAXPROCS = 2 (par=1, RunParallel's default) and 16 (par=8,
// SetParallelism(8)); x-redis_rate is against redis_rate in the same group
// of the same run. The machine was shared with other work while these were
// measured (single round trips were about 3x slower than on a quiet
// machine, hence the serial column); ranges are over three runs, with the
// version before group commit run in between, for comparison:
//
//	µs per decision (x-redis_rate)   serial             par=1 (2 gor.)     par=8 (16 gor.)
//	redis_rate v10 AllowN            65-78              37-50              12.0-12.5
//	reserve+settle (default)         95-101 (0.68-0.73) 61-71 (0.52-0.70)  21-22 (0.56-0.59)
//	  before group commit            88-103 (0.69-0.79) 69-74 (0.58-0.62)  51-54 (0.22-0.24)
//	  Redis calls per decision       1.01               1.01               0.20
//	reserve+settle, SettleSync       164-198 (0.35-0.42) 110-131 (0.30-0.38) 37-39 (0.32-0.33)
//	reserve+settle, Chunk=200        1.7-1.8 (38-41x)   1.9-2.0 (19-24x)   1.6-1.9 (6.7-7.6x)
//	  Redis calls per decision       0.015              0.015              0.015
//
// So group commit leaves one and two goroutines as they were and makes 16
// goroutines 2.4 times faster, but reserve+settle without leasing stays at
// about 0.6x redis_rate, short of the 0.8x aimed at: with 16 goroutines a
// run decides about 5 reservations and carries their settlements, Redis
// spends at least 9 µs of server time per decision (measured with
// runs of 8; a GCRA decision: about 4.4 µs), and on two shared CPUs the rest goes to the round trips and to
// waking the callers. Local leasing (Options.Chunk) remains the way to
// make a busy process cheap for Redis.
//
// The script runs 6 Redis commands (TIME, HMGET, GET, ZREM, ZADD, HSET:
// about 3.5 µs inside the commands) and takes about 15-20 µs in all for
// one reservation, most of it Redis's cost of each redis.call from Lua
// (about 1.3 µs a call with no logic) and the Lua code that validates,
// decides and formats; a GCRA decision is 3 commands and about 4-6 µs.
// With leasing a busy process makes about one Redis call per 65 API calls.
package redisledger
