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
// # Benchmarks
//
// BenchmarkRedisLedger, Redis 7 on the same 2-CPU virtual machine as the
// benchmark, go test -bench with RunParallel (GOMAXPROCS goroutines); the
// ratio is against redis_rate measured in the same run, and the machine is
// noisy (redis_rate itself ranged from 21 to 30 µs/op between runs):
//
//	redis_rate v10 AllowN                 21-30 µs/decision   1 Redis call
//	reserve+settle (deferred, default)    47-52 µs/decision   1.005 Redis calls   0.45-0.47x redis_rate
//	reserve+settle, SettleSync            73-80 µs/decision   2 Redis calls       0.28-0.30x redis_rate
//	reserve+settle, Chunk=200             1.4-1.5 µs/decision 0.015 Redis calls   15-16x redis_rate
//
// With two goroutines on two CPUs the single-threaded server is the
// bottleneck: a decision costs about twice the server's time per request.
// The script runs 6 Redis commands (TIME, HMGET, GET, ZREM, ZADD, HSET:
// about 3.5 µs inside the commands) and takes about 15-20 µs in all, most
// of it Redis's cost of each redis.call from Lua (about 1.3 µs a call with
// no logic) and the Lua code that validates, decides and formats; a GCRA
// decision is 3 commands and about 4-6 µs. With leasing a busy process
// makes about one Redis call per 65 API calls.
package redisledger
