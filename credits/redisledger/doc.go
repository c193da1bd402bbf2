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
// machine, hence the serial column); ranges are over three runs. "Before
// the client trims" is the version before the Go side of a group run was
// made cheaper (see below), over nine runs alternating with this version,
// which gave 19.8-21.2 µs (0.53-0.56x) in them; "before group commit" is
// from earlier runs:
//
//	µs per decision (x-redis_rate)   serial              par=1 (2 gor.)      par=8 (16 gor.)
//	redis_rate v10 AllowN            71-80               39-43               11.3-11.5
//	reserve+settle (default)         98-125 (0.56-0.72)  66-68 (0.57-0.58)   19.5-20.6 (0.55-0.58)
//	  before the client trims        -                   -                   20.0-24.0 (0.47-0.55)
//	  before group commit            88-103 (0.69-0.79)  69-74 (0.58-0.62)   51-54 (0.22-0.24)
//	  Redis calls per decision       1.01                1.01                0.20
//	reserve+settle, SettleSync       213-238 (0.30-0.33) 127-136 (0.28-0.30) 37-39 (0.29-0.30)
//	reserve+settle, Chunk=200        1.9-2.2 (33-37x)    1.8-1.9 (21x)       1.6-1.8 (6.1-7.1x)
//	  Redis calls per decision       0.015               0.015               0.015
//
// So group commit makes 16 goroutines about 2.5 times faster, but
// reserve+settle without leasing stays at about 0.55x redis_rate, short of
// the 0.8x aimed at. Where the time goes with 16 goroutines (100,000
// decisions; CPU time of the Redis and benchmark processes, and Redis's
// own accounting of its commands): Redis spends 14-15 µs of CPU per
// decision (redis_rate: 9), 11.4 of them in the script, about 56 µs a run
// of 4.9 reservations and their settlements (a GCRA decision: 4.0). The
// benchmark process spent 14.1-15.3 µs (redis_rate, with one round trip
// per decision: 10.7) and now spends 10.7-13.1, in alternating runs of the
// two versions (Redis: 14.5-15.5 and 13.9-14.9 µs): the leader of a run
// whose context cannot end (as the benchmark's) sends it itself instead of
// from a goroutine of its own (sparing the goroutine, its stack growth and
// two hand-offs), the EVALSHA command is built once into the slice the
// client sends (keys, SHA1 and the day's expiry kept per day; Script.Run
// copied the arguments into a new slice and boxed the keys again), a lone
// caller allocates no channel, and a run attaches the deferred settlements
// without a map. Of what is left, about a quarter is the client's socket
// system calls (a write and a read per run, plus go-redis's peek for RESP3
// push notifications) and a sixth the scheduler (parking and waking the
// callers a run decides); the ledger's own code is a few percent. Neither
// process is saturated, but with about 26 µs of CPU per decision
// (redis_rate: 20) two CPUs cannot go below 13 µs a decision, 0.87x even
// if all of both CPUs were used (redis_rate uses 87%, which would give
// about 0.76x).
//
// The script runs 6 Redis commands per run however many holds it carries
// (TIME, HMGET, GET, ZREM, ZADD, HSET, each once with all its holds; see
// script.go). Measured alone and serially, for a run of 5 reservations
// and 5 settlements: the same call to an empty script takes about 6 µs,
// the six commands without any logic 22-27 µs, the script 39-40 µs (the
// previous one 41-42). The commands cost about 4 µs per decision and the
// Lua that validates, decides and formats about 3 µs: in Redis's Lua on
// this machine parsing a hold's state takes about 0.4 µs, applying an
// update 0.55 and deciding a reservation 0.95, as each C call (tonumber,
// string.match, string.format) costs 70-190 ns. A script with no logic at
// all would still cost the server twice a GCRA decision, so reaching 0.8x
// needs the client's CPU per decision to drop, or fewer commands per
// decision, rather than a leaner script. Local leasing (Options.Chunk)
// remains the way to make a busy process cheap for Redis: about one Redis
// call per 65 API calls.
package redisledger
