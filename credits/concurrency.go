package credits

import (
	"context"
	"sync"
	"sync/atomic"
)

// slots bounds the calls in flight with a limit that adapts (AIMD): halved,
// down to 1, when Desk answers TOO_MANY_REQUESTS (other apps share the
// portal's slots), raised by one, up to max, after limit successes in a row.
type slots struct {
	mu        sync.Mutex
	limit     int
	max       int
	inUse     int
	successes int
	waiters   []chan struct{} // FIFO; each has room for the one grant it gets
	// full mirrors limit == max so that the common success needs no lock.
	full atomic.Bool
}

func newSlots(n int) *slots {
	s := &slots{limit: n, max: n}
	s.full.Store(true)
	return s
}

// acquire takes a slot, waiting for one bounded by ctx. waited reports
// whether it had to queue.
func (s *slots) acquire(ctx context.Context, onWait func()) (waited bool, err error) {
	s.mu.Lock()
	if s.inUse < s.limit && len(s.waiters) == 0 {
		s.inUse++
		s.mu.Unlock()
		return false, nil
	}
	ch := make(chan struct{}, 1)
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	if onWait != nil {
		onWait()
	}
	select {
	case <-ch:
		return true, nil
	case <-ctx.Done():
		s.mu.Lock()
		for i, w := range s.waiters {
			if w == ch {
				s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
				s.mu.Unlock()
				return true, ctx.Err()
			}
		}
		s.mu.Unlock()
		// The slot was granted while ctx ended: hand it on.
		s.release()
		return true, ctx.Err()
	}
}

func (s *slots) release() {
	s.mu.Lock()
	s.inUse--
	s.grantLocked()
	s.mu.Unlock()
}

func (s *slots) grantLocked() {
	for s.inUse < s.limit && len(s.waiters) > 0 {
		ch := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		s.inUse++
		ch <- struct{}{}
	}
}

// decrease halves the limit and returns the new one.
func (s *slots) decrease() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = max(s.limit/2, 1)
	s.successes = 0
	s.full.Store(s.limit >= s.max)
	return s.limit
}

// success counts a successful response and returns the limit after it.
func (s *slots) success() {
	if s.full.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limit >= s.max {
		return
	}
	s.successes++
	if s.successes >= s.limit {
		s.successes = 0
		s.limit++
		s.full.Store(s.limit >= s.max)
		s.grantLocked()
	}
}

func (s *slots) state() (limit, max, inUse, queued int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limit, s.max, s.inUse, len(s.waiters)
}
