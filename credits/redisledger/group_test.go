package redisledger_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// gate is a client hook that, while armed, holds each script run after
// Redis answered it, until the test lets it go: the run is then in flight
// for its callers. It also counts script runs and records their arguments.
type gate struct {
	armed   atomic.Bool
	runs    atomic.Int64
	mu      sync.Mutex
	args    [][]any      // of every script run, in the order they were sent
	held    atomic.Int64 // runs seen held by hold and not yet let go
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}, 16), release: make(chan struct{})}
}

func (g *gate) DialHook(next redis.DialHook) redis.DialHook { return next }
func (g *gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (g *gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n != "evalsha" && n != "eval" {
			return next(ctx, cmd)
		}
		g.runs.Add(1)
		g.mu.Lock()
		g.args = append(g.args, cmd.Args())
		g.mu.Unlock()
		err := next(ctx, cmd)
		if !g.armed.Load() {
			return err
		}
		g.entered <- struct{}{}
		select {
		case <-g.release:
			return err
		case <-ctx.Done():
			// The caller gave up after Redis ran the script: the reply
			// is lost to it, whatever the script did.
			return ctx.Err()
		}
	}
}

// sent returns the arguments of the script runs sent so far.
func (g *gate) sent() [][]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.args)
}

// hold waits until a script run is held by the gate.
func (g *gate) hold(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
		g.held.Add(1)
	case <-time.After(5 * time.Second):
		t.Fatal("no script run reached the gate")
	}
}

// let lets one held run go.
func (g *gate) let(t *testing.T) {
	t.Helper()
	select {
	case g.release <- struct{}{}:
		g.held.Add(-1)
	case <-time.After(5 * time.Second):
		t.Fatal("no script run waits at the gate")
	}
}

// letAll lets go every run that hold saw held.
func (g *gate) letAll(t *testing.T) {
	t.Helper()
	for g.held.Load() > 0 {
		g.let(t)
	}
}

// gatedLedger returns a ledger whose client has a gate, the gate, a ledger
// of another process on a plain client, and the key prefix.
func gatedLedger(t *testing.T, addr string, mod func(*redisledger.Options)) (*redisledger.Ledger, *gate, *redisledger.Ledger, string) {
	t.Helper()
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	g := newGate()
	grdb := newClient(t, addr)
	grdb.AddHook(g)
	l := newLedger(t, grdb, prefix, mod)
	// Load the script, so that a held run is one EVALSHA.
	_, err := l.Snapshot(context.Background(), day1)
	must(t, err)
	return l, g, newLedger(t, rdb, prefix, nil), prefix
}

// busy starts one Reserve of day1 per amount, each alone in its own script
// run, and holds the runs at the gate; it fills the other runs a Ledger
// allows in flight with reservations of 1 credit on another day, held too,
// so that further reservations queue. The test lets them go with letAll.
func busy(t *testing.T, l *redisledger.Ledger, g *gate, amounts ...int64) []<-chan outcome {
	t.Helper()
	if len(amounts) > redisledger.MaxRuns {
		t.Fatalf("busy: %d runs asked, a Ledger allows %d in flight", len(amounts), redisledger.MaxRuns)
	}
	g.armed.Store(true)
	var chs []<-chan outcome
	for _, a := range amounts {
		chs = append(chs, reserveAsync(context.Background(), l, a, 100))
		g.hold(t)
	}
	other := credits.Day(time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly))
	for range redisledger.MaxRuns - len(amounts) {
		ch := make(chan outcome, 1)
		go func() {
			res, err := l.Reserve(context.Background(), credits.ReserveRequest{Day: other, Amount: 1, Limit: 100})
			ch <- outcome{res, err}
		}()
		g.hold(t)
		t.Cleanup(func() {
			if o := get(t, ch); o.err != nil || !o.res.OK {
				t.Errorf("a reservation filling a run: %+v %v", o.res, o.err)
			}
		})
	}
	return chs
}

type outcome struct {
	res credits.ReserveResult
	err error
}

// reserveAsync starts a Reserve and returns where its outcome will arrive.
func reserveAsync(ctx context.Context, l *redisledger.Ledger, amount, limit int64) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: amount, Limit: limit})
		ch <- outcome{res, err}
	}()
	return ch
}

// waitQueued waits until n reservations wait in l's queue.
func waitQueued(t *testing.T, l *redisledger.Ledger, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for redisledger.Queued(l) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d reservations queued, want %d", redisledger.Queued(l), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func get(t *testing.T, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("a Reserve did not return")
		return outcome{}
	}
}

// TestGroupCommitDecidesInOrder: reservations that queue while a run is in
// flight are decided in one run, in arrival order, each one seeing the holds
// granted before it.
func TestGroupCommitDecidesInOrder(t *testing.T) {
	addr := redisAddr(t)
	l, g, other, _ := gatedLedger(t, addr, nil)
	ctx := context.Background()
	const capacity = 100
	leads := busy(t, l, g, 10, 5)
	runs := g.runs.Load()
	x := reserveAsync(ctx, l, 60, capacity)
	waitQueued(t, l, 1)
	y := reserveAsync(ctx, l, 50, capacity)
	waitQueued(t, l, 2)
	z := reserveAsync(ctx, l, 25, capacity)
	waitQueued(t, l, 3)
	g.armed.Store(false)
	g.letAll(t)

	lo, lo2, xo, yo, zo := get(t, leads[0]), get(t, leads[1]), get(t, x), get(t, y), get(t, z)
	for _, o := range []outcome{lo, lo2, xo, yo, zo} {
		must(t, o.err)
	}
	if !lo.res.OK || !lo2.res.OK {
		t.Fatalf("leaders: %+v %+v, want both granted", lo.res, lo2.res)
	}
	if !xo.res.OK || xo.res.Available != 85 {
		t.Fatalf("first queued (60): %+v, want granted with 85 available", xo.res)
	}
	if yo.res.OK || yo.res.Available != 25 {
		t.Fatalf("second queued (50): %+v, want refused with 25 available (after the 60)", yo.res)
	}
	if !zo.res.OK || zo.res.Available != 25 {
		t.Fatalf("third queued (25): %+v, want granted with 25 available", zo.res)
	}
	if n := g.runs.Load() - runs; n != 1 {
		t.Fatalf("the three queued reservations took %d script runs, want 1", n)
	}
	s, err := other.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 100 || s.Spent != 0 {
		t.Fatalf("another process sees %+v, want Held 100", s)
	}
	for _, o := range []outcome{lo, lo2, xo, zo} {
		must(t, l.Release(ctx, o.res.Hold))
	}
}

// TestGroupCommitCancelWhileQueued: a caller whose context ends while it
// waits for the next run leaves the queue at once and reserves nothing.
func TestGroupCommitCancelWhileQueued(t *testing.T) {
	addr := redisAddr(t)
	l, g, other, _ := gatedLedger(t, addr, nil)
	ctx := context.Background()
	leads := busy(t, l, g, 10, 5)
	cctx, cancel := context.WithCancel(ctx)
	q := reserveAsync(cctx, l, 20, 100)
	waitQueued(t, l, 1)
	cancel()
	qo := get(t, q) // while the run is still held
	if !isErr(qo.err, context.Canceled) {
		t.Fatalf("cancelled while queued: %+v %v, want context.Canceled", qo.res, qo.err)
	}
	waitQueued(t, l, 0)
	g.armed.Store(false)
	g.letAll(t)
	for _, ch := range leads {
		lo := get(t, ch)
		must(t, lo.err)
		if !lo.res.OK {
			t.Fatalf("leader refused: %+v", lo.res)
		}
	}
	s, err := other.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 15 {
		t.Fatalf("held %d, want the leaders' 15 only: %+v", s.Held, s)
	}
	// The queue still works.
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 100})
	must(t, err)
	if !res.OK {
		t.Fatalf("reserve after the cancel refused: %+v", res)
	}
}

// TestGroupCommitCancelInFlight: a caller whose context ends after its run
// was sent gets its context's error, and the hold the script granted it is
// released with the next round trip (or by the flusher), never leaked.
// This holds for a follower of a group and for a caller alone.
func TestGroupCommitCancelInFlight(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	t.Run("group", func(t *testing.T) {
		l, g, other, _ := gatedLedger(t, addr, nil)
		leads := busy(t, l, g, 10, 5)
		// The third run: k leads it, f follows, m stays.
		kctx, kcancel := context.WithCancel(ctx)
		k := reserveAsync(kctx, l, 20, 100)
		waitQueued(t, l, 1)
		fctx, fcancel := context.WithCancel(ctx)
		f := reserveAsync(fctx, l, 30, 100)
		waitQueued(t, l, 2)
		m := reserveAsync(ctx, l, 5, 100)
		waitQueued(t, l, 3)
		g.let(t) // a first run returns; the third is held
		g.hold(t)
		g.armed.Store(false)
		kcancel()
		fcancel()
		// Both return while their run is still held.
		for name, ch := range map[string]<-chan outcome{"leader": k, "follower": f} {
			o := get(t, ch)
			if !isErr(o.err, context.Canceled) {
				t.Fatalf("%s cancelled in flight: %+v %v, want context.Canceled", name, o.res, o.err)
			}
		}
		g.letAll(t)
		fi, se, mo := get(t, leads[0]), get(t, leads[1]), get(t, m)
		for _, o := range []outcome{fi, se, mo} {
			must(t, o.err)
			if !o.res.OK {
				t.Fatalf("refused: %+v", o.res)
			}
		}
		if mo.res.Available != 35 {
			t.Fatalf("the last of the group: %+v, want 35 available (after the 20 and 30)", mo.res)
		}
		// The flusher writes the releases within SettleDelay.
		waitHeld(t, other, 20)
	})
	t.Run("alone", func(t *testing.T) {
		l, g, other, _ := gatedLedger(t, addr, nil)
		g.armed.Store(true)
		cctx, cancel := context.WithCancel(ctx)
		a := reserveAsync(cctx, l, 25, 100)
		g.hold(t) // Redis granted the 25; the reply is held
		g.armed.Store(false)
		s, err := other.Snapshot(ctx, day1)
		must(t, err)
		if s.Held != 25 {
			t.Fatalf("held %d while the reply is held, want 25", s.Held)
		}
		cancel()
		ao := get(t, a)
		if !isErr(ao.err, context.Canceled) {
			t.Fatalf("cancelled in flight: %+v %v, want context.Canceled", ao.res, ao.err)
		}
		waitHeld(t, other, 0)
	})
}

// waitHeld waits until l sees held credits held on day1.
func waitHeld(t *testing.T, l *redisledger.Ledger, held int64) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		s, err := l.Snapshot(context.Background(), day1)
		must(t, err)
		if s.Held == held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("held %d after 3s, want %d (a hold leaked): %+v", s.Held, held, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestGroupCommitErrorsFanOut: every caller of a run that fails gets the
// error it would have had alone: a corrupt value, ErrCorrupt; Redis
// unreachable, the local share.
func TestGroupCommitErrorsFanOut(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	t.Run("corrupt", func(t *testing.T) {
		l, g, _, prefix := gatedLedger(t, addr, nil)
		direct := newClient(t, addr)
		leads := busy(t, l, g, 10, 5)
		a := reserveAsync(ctx, l, 20, 100)
		waitQueued(t, l, 1)
		b := reserveAsync(ctx, l, 30, 100)
		waitQueued(t, l, 2)
		// Someone else's value lands in the day hash.
		dayKey := prefix + "{org1}:day:" + string(day1)
		must(t, direct.HSet(ctx, dayKey, "spent", "lots").Err())
		g.armed.Store(false)
		g.letAll(t)
		for _, ch := range leads {
			must(t, get(t, ch).err)
		}
		for i, o := range []outcome{get(t, a), get(t, b)} {
			if !isErr(o.err, redisledger.ErrCorrupt) || !isErr(o.err, credits.ErrLedgerUnavailable) {
				t.Fatalf("caller %d of the run: %+v %v, want ErrCorrupt", i, o.res, o.err)
			}
		}
		if v, _ := direct.HGet(ctx, dayKey, "spent").Result(); v != "lots" {
			t.Fatalf("the foreign value was overwritten: %q", v)
		}
		must(t, direct.HSet(ctx, dayKey, "spent", "0").Err())
	})
	t.Run("unreachable", func(t *testing.T) {
		direct := newClient(t, addr)
		prefix := uniquePrefix(t, direct)
		px := newProxy(t, addr)
		g := newGate()
		grdb := newClient(t, px.addr)
		grdb.AddHook(g)
		var outages atomic.Int32
		l := newLedger(t, grdb, prefix, func(o *redisledger.Options) {
			o.LocalShare = 10
			o.RetryInterval = time.Hour // no probe within the test
			o.OpTimeout = 300 * time.Millisecond
			o.OnOutage = func(error) { outages.Add(1) }
		})
		_, err := l.Snapshot(ctx, day1)
		must(t, err)
		leads := busy(t, l, g, 10, 5)
		a := reserveAsync(ctx, l, 6, 100)
		waitQueued(t, l, 1)
		b := reserveAsync(ctx, l, 6, 100)
		waitQueued(t, l, 2)
		px.Stop()
		g.armed.Store(false)
		g.letAll(t)
		for _, ch := range leads {
			must(t, get(t, ch).err)
		}
		var ok, exhausted int
		for _, o := range []outcome{get(t, a), get(t, b)} {
			switch {
			case o.err == nil && o.res.OK:
				ok++
				if err := l.Release(ctx, o.res.Hold); err != nil {
					t.Fatal(err)
				}
			case isErr(o.err, redisledger.ErrLocalShareExhausted) && isErr(o.err, credits.ErrLedgerUnavailable):
				exhausted++
			default:
				t.Fatalf("caller of the failed run: %+v %v", o.res, o.err)
			}
		}
		if ok != 1 || exhausted != 1 || outages.Load() != 1 {
			t.Fatalf("%d granted from the share, %d refused, %d outages; want 1, 1, 1", ok, exhausted, outages.Load())
		}
		px.Start(t)
	})
}

// TestGroupCommitManyGoroutines: many goroutines of one process share
// script runs and, together with another process, never overspend, while
// using the whole cap.
func TestGroupCommitManyGoroutines(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	g := newGate()
	grdb := newClient(t, addr)
	grdb.AddHook(g)
	busy := newLedger(t, grdb, prefix, nil)
	other := newLedger(t, rdb, prefix, nil)
	const capacity = 20000
	var total, decisions atomic.Int64
	var wg sync.WaitGroup
	for i := range 65 {
		l := busy
		if i == 64 {
			l = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, d, err := spendCounting(context.Background(), l, capacity, uint64(i))
			if err != nil {
				t.Error(err)
			}
			total.Add(n)
			if l == busy {
				decisions.Add(d)
			}
		}()
	}
	wg.Wait()
	must(t, busy.Close(context.Background()))
	must(t, other.Close(context.Background()))
	runs := g.runs.Load()
	t.Logf("%d reservations of the busy ledger in %d script runs (%.1f a run)", decisions.Load(), runs, float64(decisions.Load())/float64(runs))
	if runs*2 > decisions.Load() {
		t.Errorf("%d script runs for %d reservations: grouping did not happen", runs, decisions.Load())
	}
	checkTotal(t, other, total.Load(), capacity)
}

// spendCounting is spend, also returning how many Reserve calls it made.
func spendCounting(ctx context.Context, l *redisledger.Ledger, capacity int64, seed uint64) (total, calls int64, err error) {
	r := rand.New(rand.NewPCG(seed, 7))
	for refusals := 0; refusals < 200; {
		cost := 1 + r.Int64N(10)
		calls++
		res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: cost, Limit: capacity})
		if err != nil {
			return total, calls, fmt.Errorf("reserve: %w", err)
		}
		if !res.OK {
			refusals++
			continue
		}
		refusals = 0
		total += cost
		if err := l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: cost}); err != nil {
			return total, calls, err
		}
	}
	return total, calls, nil
}
