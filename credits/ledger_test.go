package credits_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestMemoryLedgerReserveIsAtomic(t *testing.T) {
	ctx := context.Background()
	l := credits.NewMemoryLedger()
	const limit = 1000
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 100 {
				r, err := l.Reserve(ctx, credits.ReserveRequest{Day: "d", Amount: 3, Limit: limit})
				if err != nil {
					t.Error(err)
					return
				}
				if r.OK {
					granted.Add(3)
				}
			}
		})
	}
	wg.Wait()
	s, _ := l.Snapshot(ctx, "d")
	if granted.Load() > limit || s.Held != granted.Load() || granted.Load() < limit-2 {
		t.Errorf("granted %d, held %d, limit %d", granted.Load(), s.Held, limit)
	}
}

func TestMemoryLedger(t *testing.T) {
	ctx := context.Background()
	l := credits.NewMemoryLedger()
	if _, err := l.Reserve(ctx, credits.ReserveRequest{Day: "d1", Amount: 0, Limit: 10}); err == nil {
		t.Error("zero amount accepted")
	}
	r, _ := l.Reserve(ctx, credits.ReserveRequest{Day: "d1", Amount: 6, Limit: 10, Allotment: 100})
	if !r.OK || r.Available != 10 || r.Hold.Amount != 6 || r.Hold.Day != "d1" || r.Hold.ID == "" {
		t.Fatalf("reserve = %+v", r)
	}
	r2, _ := l.Reserve(ctx, credits.ReserveRequest{Day: "d1", Amount: 5, Limit: 10})
	if r2.OK || r2.Available != 4 {
		t.Fatalf("over-reserve = %+v", r2)
	}
	// The hold settles against its own day even once d2 has begun.
	r3, _ := l.Reserve(ctx, credits.ReserveRequest{Day: "d2", Amount: 2, Limit: 10})
	if err := l.Settle(ctx, credits.Settlement{Hold: r.Hold, Actual: 4, Remaining: 80, HasRemaining: true, Allotment: 100}); err != nil {
		t.Fatal(err)
	}
	s1, _ := l.Snapshot(ctx, "d1")
	// Others spent 100 - 80 - 4 = 16.
	if s1.Spent != 4 || s1.Held != 0 || s1.OrgSpent != 20 || s1.LowestRemaining != 80 || !s1.HasRemaining {
		t.Errorf("d1 = %+v", s1)
	}
	s2, _ := l.Snapshot(ctx, "d2")
	if s2.Held != 2 || s2.Spent != 0 || s2.OrgSpent != 0 {
		t.Errorf("d2 = %+v", s2)
	}
	if err := l.Release(ctx, r3.Hold); err != nil {
		t.Fatal(err)
	}
	if s2, _ = l.Snapshot(ctx, "d2"); s2.Held != 0 {
		t.Errorf("after release d2 = %+v", s2)
	}
	// A higher remaining never lowers the inferred spend.
	_ = l.Observe(ctx, "d1", 95, 100)
	if s1, _ = l.Snapshot(ctx, "d1"); s1.OrgSpent != 20 || s1.LowestRemaining != 80 {
		t.Errorf("after higher remaining = %+v", s1)
	}
	_ = l.Observe(ctx, "d1", 50, 100)
	if s1, _ = l.Snapshot(ctx, "d1"); s1.OrgSpent != 50 {
		t.Errorf("after lower remaining = %+v", s1)
	}
	// OrgSpent counts in reservations.
	if r, _ := l.Reserve(ctx, credits.ReserveRequest{Day: "d1", Amount: 1, Limit: 50}); r.OK || r.Available != 0 {
		t.Errorf("reserve past org spend = %+v", r)
	}
	// Stop only extends.
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	_ = l.Stop(ctx, t0.Add(time.Hour))
	_ = l.Stop(ctx, t0)
	if s, _ := l.Snapshot(ctx, "zz"); !s.StoppedUntil.Equal(t0.Add(time.Hour)) || s.Spent != 0 {
		t.Errorf("stop = %+v", s)
	}
}

// TestMemoryLedgerOrgSpentInference checks the documented inference against
// the lower bound max(own spent, allotment - lowest remaining) under
// random interleavings.
func TestMemoryLedgerOrgSpentInference(t *testing.T) {
	ctx := context.Background()
	l := credits.NewMemoryLedger()
	const allot = 1_000_000
	var wg sync.WaitGroup
	var remaining atomic.Int64
	remaining.Store(allot)
	for i := range 16 {
		wg.Go(func() {
			for j := range 200 {
				r, _ := l.Reserve(ctx, credits.ReserveRequest{Day: "d", Amount: 3, Limit: allot, Allotment: allot})
				if !r.OK {
					continue
				}
				rem := remaining.Add(-int64(3 + (i+j)%5)) // other integrations spend too
				_ = l.Settle(ctx, credits.Settlement{Hold: r.Hold, Actual: 3, Remaining: rem, HasRemaining: true, Allotment: allot})
			}
		})
	}
	wg.Wait()
	s, _ := l.Snapshot(ctx, "d")
	if s.OrgSpent < s.Spent || s.OrgSpent < allot-s.LowestRemaining || s.LowestRemaining != remaining.Load() {
		t.Errorf("snapshot %+v, lowest true remaining %d", s, remaining.Load())
	}
}
