package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/go-zohodesk/zohodesk/internal/clock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The credits package's Clock, restated so this test needs no import of it.
type clockIface interface {
	Now() time.Time
	After(time.Duration) <-chan time.Time
}

var (
	_ clockIface = (*clock.Fake)(nil)
	_ clockIface = (*clock.Scaled)(nil)
)

var t0 = time.Date(2025, 10, 6, 0, 0, 0, 0, time.UTC)

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-ch:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestFake(t *testing.T) {
	f := clock.New(t0)
	if !f.Now().Equal(t0) {
		t.Fatal("Now")
	}
	if _, ok := fired(f.After(0)); !ok {
		t.Error("After(0) not ready at once")
	}
	if _, ok := fired(f.After(-time.Second)); !ok {
		t.Error("After(<0) not ready at once")
	}
	a := f.After(time.Minute)
	b := f.After(time.Second)
	c := f.After(time.Hour)
	if f.Waiters() != 3 {
		t.Fatalf("waiters %d", f.Waiters())
	}
	f.Advance(30 * time.Second)
	if _, ok := fired(a); ok {
		t.Error("a fired early")
	}
	if got, ok := fired(b); !ok || !got.Equal(t0.Add(30*time.Second)) {
		t.Errorf("b = %v, %v", got, ok)
	}
	if !f.AdvanceToNext() || !f.Now().Equal(t0.Add(time.Minute)) {
		t.Errorf("AdvanceToNext to %v", f.Now())
	}
	if _, ok := fired(a); !ok {
		t.Error("a did not fire")
	}
	f.Set(t0) // backwards: nothing fires
	if _, ok := fired(c); ok || f.Waiters() != 1 {
		t.Error("c fired going backwards")
	}
	f.Set(t0.Add(2 * time.Hour))
	if _, ok := fired(c); !ok {
		t.Error("c did not fire")
	}
	if f.AdvanceToNext() {
		t.Error("AdvanceToNext with nothing waiting")
	}
	f.Advance(-time.Hour)
	if !f.Now().Equal(t0.Add(2 * time.Hour)) {
		t.Error("negative Advance moved the clock")
	}
}

func TestFakeBlockUntil(t *testing.T) {
	f := clock.New(t0)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() { f.Sleep(time.Minute) })
	}
	f.BlockUntil(5)
	f.Advance(time.Minute)
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := f.BlockUntilContext(ctx, 1); err == nil {
		t.Error("BlockUntilContext returned without waiters")
	}
}

func TestScaled(t *testing.T) {
	s := clock.NewScaled(t0, 3600) // an hour per real second
	if s.Factor() != 3600 {
		t.Fatal("factor")
	}
	start := time.Now()
	got := <-s.After(36 * time.Second) // 10 ms of real time
	if real := time.Since(start); real < 9*time.Millisecond || real > time.Second {
		t.Errorf("After(36s) took %v real", real)
	}
	if got.Before(t0.Add(36 * time.Second)) {
		t.Errorf("fired at virtual %v", got)
	}
	if n := s.Now(); n.Before(got) {
		t.Error("Now went backwards")
	}
	if _, ok := fired(s.After(0)); !ok {
		t.Error("After(0) not ready")
	}
	if d := clock.NewScaled(t0, -1); d.Factor() != 1 {
		t.Error("bad factor not defaulted")
	}
	s.Sleep(time.Second)
}
