package redisledger_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// BenchmarkRedisLedger compares one decision of this ledger (a Reserve and
// its Settle, random costs 1..5) with one redis_rate AllowN (a GCRA
// decision in one EVALSHA) on the same Redis, and reports for local leasing
// how many Redis commands each API call cost (redis-calls/op).
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
	ledgerBench := func(chunk int64) func(b *testing.B) {
		return func(b *testing.B) {
			rdb, hook := newRDB(b)
			prefix := uniquePrefix(b, rdb)
			l, err := redisledger.New(rdb, redisledger.Options{OrgKey: "bench", Prefix: prefix, Chunk: chunk})
			must(b, err)
			must(b, l.Close(ctx)) // warm: load the script
			l, err = redisledger.New(rdb, redisledger.Options{OrgKey: "bench", Prefix: prefix, Chunk: chunk})
			must(b, err)
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
			must(b, l.Close(ctx))
			b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
		}
	}
	b.Run("ledger/reserve+settle", ledgerBench(0))
	b.Run("ledger/reserve+settle/chunk=200", ledgerBench(200))
	b.Run("redis_rate/AllowN", func(b *testing.B) {
		rdb, hook := newRDB(b)
		prefix := uniquePrefix(b, rdb)
		lim := redis_rate.NewLimiter(rdb)
		limit := redis_rate.Limit{Rate: 1 << 30, Burst: 1 << 30, Period: 1e9}
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
		b.ReportMetric(float64(hook.n.Load())/float64(b.N), "redis-calls/op")
		rdb.Del(ctx, "rate:"+prefix+"k", "rate:"+prefix+"warm")
	})
}
