package redisledger_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// TestDeferredSettlement walks the deferred path: a settlement stays
// local (its hold stays held for others) until a Reserve of the same
// process carries it, which applies it before deciding; Snapshot and Close
// write what is deferred; a settlement costing more than its hold is
// written at once.
func TestDeferredSettlement(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	ctx := context.Background()
	// A delay far longer than the test: only Reserve, Snapshot and Close
	// write the deferred settlements.
	a := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.SettleDelay = time.Minute })
	other := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.SettleDelay = redisledger.SettleSync })
	reserve := func(amount int64) credits.Hold {
		t.Helper()
		res, err := a.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: amount, Limit: 100})
		must(t, err)
		if !res.OK {
			t.Fatalf("Reserve(%d) refused: %+v", amount, res)
		}
		return res.Hold
	}
	seen := func(step string, spent, held int64) {
		t.Helper()
		s, err := other.Snapshot(ctx, day1)
		must(t, err)
		if s.Spent != spent || s.Held != held {
			t.Fatalf("%s: another process sees Spent %d Held %d, want %d and %d", step, s.Spent, s.Held, spent, held)
		}
	}

	h1 := reserve(40)
	must(t, a.Settle(ctx, credits.Settlement{Hold: h1, Actual: 10}))
	seen("after a deferred Settle", 0, 40) // still held: conservative

	// The next Reserve carries the settlement and applies it first: the
	// 30 credits it frees make room for 90.
	h2 := reserve(90)
	seen("after the Reserve that carried it", 10, 90)

	must(t, a.Release(ctx, h2))
	must(t, a.Settle(ctx, credits.Settlement{Hold: h1, Actual: 10})) // again: not charged twice
	seen("after a deferred Release", 10, 90)
	s, err := a.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 10 || s.Held != 0 {
		t.Fatalf("own Snapshot %+v; want the deferred ends counted: Spent 10 Held 0", s)
	}
	seen("after Snapshot wrote them", 10, 0)

	h3 := reserve(5)
	must(t, a.Settle(ctx, credits.Settlement{Hold: h3, Actual: 8}))
	seen("after a Settle costing more than its hold", 18, 0)

	h4 := reserve(5)
	must(t, a.Settle(ctx, credits.Settlement{Hold: h4, Actual: 5, Remaining: 900, HasRemaining: true, Allotment: 1000}))
	seen("before Close", 18, 5)
	must(t, a.Close(ctx))
	seen("after Close", 23, 0)
	s, err = other.Snapshot(ctx, day1)
	must(t, err)
	if !s.HasRemaining || s.LowestRemaining != 900 || s.OrgSpent != 100 {
		t.Fatalf("the deferred settlement's remaining credits were not written: %+v", s)
	}
}

// TestFlusherWritesWithoutReserve: with no Reserve to carry them, deferred
// settlements reach Redis within about SettleDelay.
func TestFlusherWritesWithoutReserve(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	ctx := context.Background()
	const delay = 20 * time.Millisecond
	a := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.SettleDelay = delay })
	other := newLedger(t, rdb, prefix, nil)
	for round := range 3 { // the flusher re-arms after each flush
		res, err := a.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 6, Limit: 100})
		must(t, err)
		must(t, a.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 4}))
		start := time.Now()
		want := int64(4 * (round + 1))
		for {
			s, err := other.Snapshot(ctx, day1)
			must(t, err)
			if s.Spent == want && s.Held == 0 {
				t.Logf("round %d: written after %v", round, time.Since(start).Round(time.Millisecond))
				break
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("round %d: the flusher did not write the settlement within 2s: %+v", round, s)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestKilledBeforeFlushCreditsComeBack: a process killed with settlements
// still deferred loses them, and their holds' credits come back when the
// leases expire; nothing is ever over-granted meanwhile.
func TestKilledBeforeFlushCreditsComeBack(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	ctx := context.Background()
	const capacity = 100
	// Lease 1s, CallTimeout 200ms: 700ms is the longest delay allowed.
	cmd, sc := startHelper(t, "settle", addr, prefix, capacity, 0, "ZDTEST_SETTLE_DELAY=700ms")
	held := readValue(t, sc, "SETTLED")
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	cmd.Wait()
	l := newLedger(t, rdb, prefix, nil)
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 0 || s.Held != held || held < capacity-7 {
		t.Fatalf("child settled %d deferred and was killed; ledger shows %+v, want all of it still held and nothing spent", held, s)
	}
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: capacity, Limit: capacity})
	must(t, err)
	if res.OK {
		t.Fatal("the dead child's credits came back before its leases expired")
	}
	deadline := time.Now().Add(3 * time.Second) // lease 1s
	for {
		res, err = l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: capacity, Limit: capacity})
		must(t, err)
		if res.OK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("credits still held 3s after the kill: %+v", res)
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, l.Release(ctx, res.Hold))
}

// carries reports whether a script run's arguments name id.
func carries(args []any, id string) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && s == id {
			return true
		}
	}
	return false
}

// TestDeferredSettlementRidesOnce: while one run carrying a deferred
// settlement is in flight, a second run sent at the same time does not
// carry it too (each would apply it; the second run's work is wasted).
func TestDeferredSettlementRidesOnce(t *testing.T) {
	addr := redisAddr(t)
	l, g, _, _ := gatedLedger(t, addr, func(o *redisledger.Options) { o.SettleDelay = time.Minute })
	ctx := context.Background()
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 100})
	must(t, err)
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 5}))

	from := len(g.sent())
	g.armed.Store(true)
	first := reserveAsync(ctx, l, 1, 100)
	g.hold(t) // the first run, with the settlement, is in flight
	g.armed.Store(false)
	if _, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 1, Limit: 100}); err != nil {
		t.Fatal(err)
	}
	g.letAll(t)
	must(t, get(t, first).err)

	args := g.sent()[from:]
	if len(args) != 2 {
		t.Fatalf("%d runs, want 2", len(args))
	}
	if !carries(args[0], res.Hold.ID) || carries(args[1], res.Hold.ID) {
		t.Fatalf("the settlement of %s is carried by run 1: %v, run 2: %v; want run 1 only",
			res.Hold.ID, carries(args[0], res.Hold.ID), carries(args[1], res.Hold.ID))
	}
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 5 || s.Held != 2 {
		t.Fatalf("snapshot %+v, want Spent 5 Held 2", s)
	}
}
