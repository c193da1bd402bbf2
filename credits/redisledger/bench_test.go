package redisledger_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// floorSource is the least a ledger whose holds have IDs can do in one
// script run: read the day's totals and the states of a new hold and of the
// hold it settles (ARGV: id, cost[, settled id, its cost]) with one HMGET,
// write them back with one HSET, reading the server's clock. It checks
// nothing, keeps no lease and reads no stop flag. BenchmarkRedisLedger runs
// it, one run per decision, as a yardstick: a ledger without group commit
// that keeps its promises cannot be faster than it.
const floorSource = `
local t = redis.call('TIME')
local d = redis.call('HMGET', KEYS[1], 'spent', 'held', ARGV[1], ARGV[3] or 'none')
local spent, held = tonumber(d[1]) or 0, tonumber(d[2]) or 0
local cost = tonumber(ARGV[2])
local w = {'spent', 0, 'held', 0, ARGV[1], cost}
if ARGV[3] then
  local c = tonumber(ARGV[4])
  held = held - c
  spent = spent + c
  w[7], w[8] = ARGV[3], -c
end
held = held + cost
w[2], w[4] = spent, held
redis.call('HSET', KEYS[1], unpack(w))
return {spent, held, t[1]}
`

// BenchmarkRedisLedger compares one decision of this ledger (a Reserve and
// its Settle, random costs 1..5) with one redis_rate AllowN (a GCRA
// decision in one EVALSHA) on the same Redis, in the same run, at three
// levels of concurrency, the same for both sides:
//
//   - serial: one goroutine, one decision after the other;
//   - par=1: RunParallel with GOMAXPROCS goroutines (the go test default);
//   - par=8: RunParallel with SetParallelism(8), 8*GOMAXPROCS goroutines
//     sharing one Ledger (one redis_rate Limiter), as the goroutines of a
//     busy desk client do.
//
// In each group redis_rate runs first, then the floor (see floorSource),
// then the ledger; every sub-benchmark after redis_rate reports
//
//   - x-redis_rate: its decisions per second over redis_rate's in the same
//     group, redis_rate's taken over all its runs there (with -count N,
//     each sub-benchmark runs N times in a row: a ratio against the last
//     run alone would move with that one run's luck). The target
//     is >= 0.8 for reserve+settle without leasing;
//   - redis-calls/op: Redis commands per decision, that is per API call (the
//     target with local leasing is <= 0.1); below 1 without leasing when
//     concurrent reservations share script runs (group commit);
//   - goroutines: how many goroutines made decisions.
//
// "reserve+settle" uses the default deferred settlement
// (Options.SettleDelay): the Settle rides along with a later Reserve's
// script run. "reserve+settle/sync" writes each Settle at once
// (SettleSync), for comparison.
func BenchmarkRedisLedger(b *testing.B) {
	addr := redisAddr(b)
	ctx := context.Background()
	newRDB := func(b *testing.B) (*redis.Client, *countingHook) {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		b.Cleanup(func() { rdb.Close() })
		h := &countingHook{}
		rdb.AddHook(h)
		return rdb, h
	}
	// drive runs decide b.N times: from one goroutine when par is 0, else
	// with RunParallel and SetParallelism(par). It returns how many
	// goroutines ran.
	drive := func(b *testing.B, par int, decide func(r *rand.Rand) bool) int {
		if par == 0 {
			r := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for range b.N {
				if !decide(r) {
					return 1
				}
			}
			return 1
		}
		b.SetParallelism(par)
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for pb.Next() {
				if !decide(r) {
					return
				}
			}
		})
		return par * runtime.GOMAXPROCS(0)
	}
	for _, g := range []struct {
		name string
		par  int
	}{{"serial", 0}, {"par=1", 1}, {"par=8", 8}} {
		// rateNs and rateN add up redis_rate's timed runs in this group
		// (with -count N, all N of them, since each sub-benchmark runs N
		// times in a row; the short runs that size b.N weigh little), so
		// that x-redis_rate compares with redis_rate's mean time per
		// decision rather than with its last run alone. rateNsPerOp is
		// 0 when redis_rate did not run (a -bench filter left it out).
		var rateNs, rateN float64
		rateNsPerOp := func() float64 {
			if rateN == 0 {
				return 0
			}
			return rateNs / rateN
		}
		b.Run(g.name+"/redis_rate/AllowN", func(b *testing.B) {
			rdb, hook := newRDB(b)
			prefix := uniquePrefix(b, rdb)
			lim := redis_rate.NewLimiter(rdb)
			limit := redis_rate.Limit{Rate: 1 << 30, Burst: 1 << 30, Period: time.Second}
			if _, err := lim.AllowN(ctx, prefix+"warm", limit, 1); err != nil {
				b.Fatal(err)
			}
			hook.n.Store(0)
			b.ResetTimer()
			n := drive(b, g.par, func(r *rand.Rand) bool {
				res, err := lim.AllowN(ctx, prefix+"k", limit, 1+int(r.Int64N(5)))
				if err != nil || res.Allowed == 0 {
					b.Errorf("AllowN: %+v %v", res, err)
					return false
				}
				return true
			})
			b.StopTimer()
			rateNs += float64(b.Elapsed().Nanoseconds())
			rateN += float64(b.N)
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
			b.ReportMetric(1e9/nsPerOp, "decisions/s")
			b.ReportMetric(float64(n), "goroutines")
			rdb.Del(ctx, "rate:"+prefix+"k", "rate:"+prefix+"warm")
		})
		ledgerBench := func(chunk int64, settleDelay time.Duration) func(b *testing.B) {
			return func(b *testing.B) {
				rdb, hook := newRDB(b)
				prefix := uniquePrefix(b, rdb)
				opts := redisledger.Options{OrgKey: "bench", Prefix: prefix, Chunk: chunk, SettleDelay: settleDelay}
				l, err := redisledger.New(rdb, opts)
				must(b, err)
				must(b, l.Close(ctx)) // warm: load the script
				l, err = redisledger.New(rdb, opts)
				must(b, err)
				b.Cleanup(func() { l.Close(ctx) })
				hook.n.Store(0)
				b.ResetTimer()
				n := drive(b, g.par, func(r *rand.Rand) bool {
					cost := 1 + r.Int64N(5)
					res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: cost, Limit: 1 << 50})
					if err != nil || !res.OK {
						b.Errorf("reserve: %+v %v", res, err)
						return false
					}
					if err := l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: cost}); err != nil {
						b.Error(err)
						return false
					}
					return true
				})
				b.StopTimer()
				nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				// Close writes what is still deferred: those commands count too.
				must(b, l.Close(ctx))
				b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
				b.ReportMetric(1e9/nsPerOp, "decisions/s")
				b.ReportMetric(float64(n), "goroutines")
				if r := rateNsPerOp(); r > 0 {
					b.ReportMetric(r/nsPerOp, "x-redis_rate")
				}
			}
		}
		b.Run(g.name+"/floor/one-script-per-decision", func(b *testing.B) {
			rdb, hook := newRDB(b)
			prefix := uniquePrefix(b, rdb)
			floor := redis.NewScript(floorSource)
			must(b, floor.Load(ctx, rdb).Err())
			key := []string{prefix + "{bench}:floor"}
			var seq atomic.Int64
			hook.n.Store(0)
			b.ResetTimer()
			// Each goroutine settles its previous hold in the run that
			// reserves its next one, as the ledger's deferred settlement does.
			prev := make(chan string, 64)
			n := drive(b, g.par, func(r *rand.Rand) bool {
				id := "h" + strconv.FormatInt(seq.Add(1), 10)
				cost := 1 + r.Int64N(5)
				args := []any{id, cost}
				select {
				case p := <-prev:
					args = append(args, p, cost)
				default:
				}
				if err := floor.EvalSha(ctx, rdb, key, args...).Err(); err != nil {
					b.Errorf("floor script: %v", err)
					return false
				}
				select {
				case prev <- id:
				default:
				}
				return true
			})
			b.StopTimer()
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
			b.ReportMetric(1e9/nsPerOp, "decisions/s")
			b.ReportMetric(float64(n), "goroutines")
			if r := rateNsPerOp(); r > 0 {
				b.ReportMetric(r/nsPerOp, "x-redis_rate")
			}
			rdb.Del(ctx, key[0])
		})
		b.Run(g.name+"/ledger/reserve+settle", ledgerBench(0, 0))
		b.Run(g.name+"/ledger/reserve+settle/sync", ledgerBench(0, redisledger.SettleSync))
		b.Run(g.name+"/ledger/reserve+settle/chunk=200", ledgerBench(200, 0))
	}
}
