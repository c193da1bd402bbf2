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
// Day keys expire Options.Retention after the day's reset (the
// ReserveRequest's Reset; for calls without one, 36 hours after the date's
// midnight UTC, the latest a calendar day ends anywhere). The stop key
// expires Retention after the stop ends.
//
// # Leases
//
// Every hold is a lease. Each script run first reaps up to 64 holds whose
// lease expired (their credits stop being held; the hold is marked "x"), so
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
// # Benchmarks
//
// BenchmarkRedisLedger, Redis 7 on the same host, 2 CPUs, go test -bench
// with RunParallel (GOMAXPROCS goroutines):
//
//	reserve+settle, no leasing        ~95 µs/decision   2 round trips   0.37x redis_rate
//	reserve+settle, Chunk=200         ~1.7 µs/decision  0.015 round trips per call  ~21x redis_rate
//	redis_rate v10 AllowN             ~35 µs/decision   1 round trip
//
// Without leasing a decision is two round trips (reserve, then settle),
// against redis_rate's one; with leasing a busy process makes about one
// Redis call per 65 API calls.
package redisledger
