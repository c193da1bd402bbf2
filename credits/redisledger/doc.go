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
//	<prefix>{<org>}:day:<day>  hash: spent, held, ext, low; rp, hi; per lease
//	                           bucket "b<second>"; per hold ID its state
//	<prefix>{<org>}:stop       the THRESHOLD_EXCEEDED stop, ms since the epoch
//
// A credit day is one hash, so that a decision reads everything it needs
// with one HMGET and writes it with one HSET. Hold states are integers
// (see script.go): an active hold is its amount and its lease bucket, an
// ended one what it was charged and how it ended.
//
// The day key expires Options.Retention after the day's reset (the
// ReserveRequest's Reset; for calls without one, 36 hours after the date's
// midnight UTC, the latest a calendar day ends anywhere); its expiry is set
// once, when it is created. The stop key expires Retention after the stop
// ends.
//
// # Leases
//
// Every hold is a lease. Its credits are counted in the bucket of the
// second (of the Redis server's clock) in which its lease runs out, rounded
// up: "b<second>" holds the credits of the active holds whose lease ends
// then, and held is the sum of the live buckets. A script run that finds a
// second boundary passed since the last one reaps the buckets that are
// over: their credits stop being held and the buckets are deleted; rp
// records how far reaping went and hi the latest bucket in use, so that
// runs with nothing due read no bucket but their own. So the credits of a
// process killed while holding them come back between Options.Lease and
// Options.Lease plus one second after it took them, at the first call
// after that. A hold whose bucket was reaped has expired: a late Settle is
// still charged, once (updates carry absolute values, so a retried or
// repeated call changes nothing twice), and does not touch held again.
// Renewing a hold (a leased chunk that writes its spend) moves its credits
// to the bucket of its new lease.

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
// caller that finds fewer than four runs in flight sends at once, alone,
// within its own context; no timer ever waits for a group to fill. Callers
// that arrive while four runs are in flight queue; when a run ends, the
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
// SetParallelism(8)); x-redis_rate is against redis_rate's mean over its
// runs in the same group of the same run (one run of -count 3 on
// 2026-12-04; single round trips on this machine take 60-100 µs and every
// figure moves by 10-20% from run to run). "floor" runs, one per decision,
// the least a script run can do for a ledger whose holds have IDs (read and
// write the totals and two hold states; nothing validated, no lease, no
// stop flag; see floorSource in bench_test.go):
//
//	µs per decision (x-redis_rate)   serial              par=1 (2 gor.)      par=8 (16 gor.)
//	redis_rate v10 AllowN            95-104              35-42               13.6-17.2
//	floor, one script per decision   88-102 (0.96-1.11)  46-61 (0.64-0.85)   15.6-16.5 (0.92-0.97)
//	reserve+settle (default)         113-117 (0.83-0.86) 63-77 (0.50-0.62)   15.6-17.6 (0.86-0.97)
//	  Redis calls per decision       1.01                1.01                0.34
//	reserve+settle, SettleSync       230-233 (0.42)      112-137 (0.28-0.35) 35-39 (0.38-0.43)
//	reserve+settle, Chunk=200        1.7-1.9 (51-59x)    2.5-2.8 (14-16x)    2.0-2.2 (6.9-7.5x)
//	  Redis calls per decision       0.015               0.015               0.015
//
// So reserve+settle without leasing reaches the 0.8x aimed at with one
// goroutine and with 16 in this run, where group commit shares script runs
// (four in flight at most, about three reservations a run), and hovers
// around it in a second run the same day that was slower throughout (one
// goroutine 0.78-0.89x, 16 goroutines 0.71-0.80x; the floor 0.99-1.11x and
// 0.86-0.93x). It does not reach it with two goroutines: 0.50-0.62x here,
// 0.42-0.50x in the second run. With two goroutines the client and Redis
// share the two CPUs and the ratio follows the CPU a decision costs on both
// sides: about 75 µs against 42-47 for redis_rate (getrusage and Redis's
// used_cpu). Even the script alone, sent by go-redis without any of the
// ledger's Go code, reaches only 0.63-0.66x there, and the floor itself
// falls to 0.61-0.85x.
//
// Where the time goes: a round trip costs the client 25-55 µs of CPU (most
// of it the socket system calls and the scheduler's parking and waking, as
// for redis_rate; the ledger's own Go code is 2-3 µs of it with one
// goroutine, about 6 with two) and the server its share of the event loop
// plus the script's run. Measured on the server with Redis's command
// statistics, a script run with one reservation and one settlement costs
// 16-18 µs against 22 for the previous form of this script in the same run,
// and 18.9 µs in a run where a GCRA decision cost 6.8 and the floor 9.6;
// callgrind counts about 160k instructions for the whole request on Redis
// 7.0 (GCRA: 49k; floor: 70k; previous form: 215k). Most of what is left is
// the Lua bridge itself: every redis.call (4 a run) costs 3-5k instructions
// before the command runs, every ARGV string, HMGET field and reply value
// 1-2k, each string-to-number conversion 1-2k, each number written 1.7k.
// The full script does what the floor does not: validating every value it
// reads, the stop flag, the leases, and deciding several reservations in
// one run.
//
// Local leasing (Options.Chunk) remains the way to make a busy process
// cheap for Redis: about one Redis call per 65 API calls.
package redisledger
