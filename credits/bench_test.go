package credits_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/url"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/go-zohodesk/zohodesk/credits"
)

// BenchmarkGovernor measures one admission and settlement (in-memory
// ledger, Asap pacing, a budget that never runs out, calls in parallel).
func BenchmarkGovernor(b *testing.B) {
	g, err := credits.NewGovernor(credits.Config{
		Plan:                credits.Plan{Edition: credits.Enterprise, AddOn: 900_000_000_000},
		Logger:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		ConcurrencyOverride: 1 << 20, // measure admission, not queueing
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	call := credits.Call{Method: "GET", Path: "/tickets", Query: url.Values{"from": {"1"}, "limit": {"100"}}}
	obs := credits.Observation{Status: 200, Weight: 3, HasWeight: true, Remaining: 1 << 40, HasRemaining: true}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := g.Admit(ctx, call)
			if err != nil {
				b.Error(err)
				return
			}
			p.Settle(obs)
		}
	})
}

// BenchmarkRateLimiterReserveN is the yardstick for BenchmarkGovernor: one
// reservation of x/time/rate, in parallel, never waiting.
func BenchmarkRateLimiterReserveN(b *testing.B) {
	lim := rate.NewLimiter(rate.Limit(math.MaxFloat64/2), 1<<30)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := lim.ReserveN(time.Now(), 3)
			if !r.OK() {
				b.Error("refused")
				return
			}
		}
	})
}
