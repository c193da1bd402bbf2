// Package clock provides controllable clocks for tests and simulations of
// go-zohodesk: [Fake], moved only by the test, and [Scaled], virtual time
// running a fixed number of times faster than real time.
//
// Both satisfy credits.Clock (and any interface made of Now and After)
// structurally; this package imports nothing of go-zohodesk so that every
// package may use it in its tests.
//
// It is internal: users of the SDK bring their own clock.
package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Fake is a clock that only moves when told to. Its zero value is not
// usable; call [New]. All methods are safe for concurrent use.
//
// Channels returned by After receive exactly once, when Advance or Set moves
// the clock to or past their deadline; they are buffered, so a channel that
// nobody reads never blocks the clock. A pending channel whose reader went
// away (a cancelled context) still counts in [Fake.Waiters] until it fires:
// tests that cancel waits should count on that.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters waiterHeap
	seq     uint64
	// changed is closed and replaced whenever the set of waiters grows, so
	// that BlockUntil can wait without polling.
	changed chan struct{}
}

type waiter struct {
	at  time.Time
	seq uint64 // ties fire in the order After was called
	ch  chan time.Time
}

type waiterHeap []*waiter

func (h waiterHeap) Len() int { return len(h) }
func (h waiterHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h waiterHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waiterHeap) Push(x any)   { *h = append(*h, x.(*waiter)) }
func (h *waiterHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}

// New returns a Fake clock reading t.
func New(t time.Time) *Fake {
	return &Fake{now: t, changed: make(chan struct{})}
}

// Now returns the clock's current reading.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After returns a channel that receives the clock's reading once the clock
// has been moved to or past Now()+d. For d <= 0 the channel is ready at once
// (like time.After) and is not counted as a waiter.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.seq++
	heap.Push(&f.waiters, &waiter{at: f.now.Add(d), seq: f.seq, ch: ch})
	close(f.changed)
	f.changed = make(chan struct{})
	return ch
}

// Sleep blocks until the clock has been moved d past the current reading.
func (f *Fake) Sleep(d time.Duration) { <-f.After(d) }

// Advance moves the clock forward by d (d < 0 is treated as 0) and fires,
// in deadline order, every waiter whose deadline is reached. Each fired
// channel receives the new reading.
func (f *Fake) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	f.mu.Lock()
	f.moveLocked(f.now.Add(d))
	f.mu.Unlock()
}

// Set moves the clock to t and fires every waiter whose deadline is at or
// before t. Setting the clock backwards fires nothing and leaves the pending
// deadlines where they are (they fire once the clock reaches them again).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.moveLocked(t)
	f.mu.Unlock()
}

func (f *Fake) moveLocked(t time.Time) {
	f.now = t
	for len(f.waiters) > 0 && !f.waiters[0].at.After(t) {
		w := heap.Pop(&f.waiters).(*waiter)
		w.ch <- t // buffered with room for one: never blocks
	}
}

// AdvanceToNext moves the clock to the earliest pending deadline and fires
// the waiters due then. It reports false, without moving the clock, when
// nothing is waiting.
func (f *Fake) AdvanceToNext() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.waiters) == 0 {
		return false
	}
	f.moveLocked(f.waiters[0].at)
	return true
}

// Waiters returns how many channels from After have not fired yet.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// BlockUntil blocks until at least n channels from After are pending. It
// lets a test wait until the goroutines under test are parked on the clock
// before it moves the clock. It waits without a bound: prefer
// [Fake.BlockUntilContext] when a bug could leave it stuck.
func (f *Fake) BlockUntil(n int) {
	_ = f.BlockUntilContext(context.Background(), n)
}

// BlockUntilContext is BlockUntil bounded by ctx; it returns ctx's error if
// ctx ends first.
func (f *Fake) BlockUntilContext(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		if len(f.waiters) >= n {
			f.mu.Unlock()
			return nil
		}
		changed := f.changed
		f.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Scaled is virtual time that runs Factor times faster than real time from a
// starting instant: after one real second, Now has moved Factor seconds. It
// serves simulations (a whole credit day in minutes) where goroutines must
// really run concurrently, which a [Fake] clock cannot give.
//
// Scaled is safe for concurrent use and starts no goroutine.
type Scaled struct {
	start     time.Time // virtual reading at realStart
	realStart time.Time // carries the monotonic reading
	factor    float64
}

// NewScaled returns a clock reading start now and running factor times
// faster than real time. factor <= 0 is taken as 1.
func NewScaled(start time.Time, factor float64) *Scaled {
	if !(factor > 0) {
		factor = 1
	}
	return &Scaled{start: start, realStart: time.Now(), factor: factor}
}

// Factor returns how many virtual seconds pass per real second.
func (s *Scaled) Factor() float64 { return s.factor }

// Now returns the virtual time: start plus factor times the real time elapsed.
func (s *Scaled) Now() time.Time {
	real := time.Since(s.realStart)
	return s.start.Add(time.Duration(float64(real) * s.factor))
}

// After returns a channel that receives the virtual time once d of virtual
// time has passed, that is after d/Factor of real time. The channel is
// buffered and nothing is kept alive once it fired.
func (s *Scaled) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- s.Now()
		return ch
	}
	time.AfterFunc(time.Duration(float64(d)/s.factor), func() { ch <- s.Now() })
	return ch
}

// Sleep blocks for d of virtual time.
func (s *Scaled) Sleep(d time.Duration) { <-s.After(d) }
