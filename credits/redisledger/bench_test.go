package redisledger_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// BenchmarkRedisLedger compares one decision of this ledger (a Reserve and
// its Settle, random costs 1..5) with one redis_rate AllowN (a GCRA
// decision in one EVALSHA) on the same Redis, in the same run, with
// RunParallel (GOMAXPROCS goroutines). redis_rate runs first; every ledger
// sub-benchmark then reports
//
//   - x-redis_rate: its decisions per second over redis_rate's (the issue's
//     target is >= 0.8 for reserve+settle without leasing);
//   - redis-calls/op: Redis commands per decision, that is per API call (the
//     target with local leasing is <= 0.1).
//
// "reserve+settle" uses the default deferred settlement (Options.SettleDelay):
// the Settle rides along with the next Reserve, one round trip per decision.
// "reserve+settle/sync" writes each Settle at once (SettleSync), two round
// trips, for comparison.
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
	// rateNsPerOp is redis_rate's time per decision in its last (reported)
	// run; 0 when it did not run (a -bench filter left it out).
	var rateNsPerOp float64
	b.Run("redis_rate/AllowN", func(b *testing.B) {
		rdb, hook := newRDB(b)
		prefix := uniquePrefix(b, rdb)
		lim := redis_rate.NewLimiter(rdb)
		limit := redis_rate.Limit{Rate: 1 << 30, Burst: 1 << 30, Period: time.Second}
		if _, err := lim.AllowN(ctx, prefix+"warm", limit, 1); err != nil {
			b.Fatal(err)
		}
		hook.n.Store(0)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 0))
			for pb.Next() {
				res, err := lim.AllowN(ctx, prefix+"k", limit, 1+int(r.Int64N(5)))
				if err != nil || res.Allowed == 0 {
					b.Errorf("AllowN: %+v %v", res, err)
					return
				}
			}
		})
		b.StopTimer()
		rateNsPerOp = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
		b.ReportMetric(1e9/rateNsPerOp, "decisions/s")
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
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					cost := 1 + r.Int64N(5)
					res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: cost, Limit: 1 << 50})
					if err != nil || !res.OK {
						b.Errorf("reserve: %+v %v", res, err)
						return
					}
					if err := l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: cost}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			nsPerOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			// Close writes what is still deferred: those commands count too.
			must(b, l.Close(ctx))
			b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
			b.ReportMetric(1e9/nsPerOp, "decisions/s")
			if rateNsPerOp > 0 {
				b.ReportMetric(rateNsPerOp/nsPerOp, "x-redis_rate")
			}
		}
	}
	b.Run("ledger/reserve+settle", ledgerBench(0, 0))
	b.Run("ledger/reserve+settle/sync", ledgerBench(0, redisledger.SettleSync))
	b.Run("ledger/reserve+settle/chunk=200", ledgerBench(200, 0))
}
