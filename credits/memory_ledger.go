package credits

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// memoryRetention is how long after its reset the in-memory ledger keeps a
// day: long enough for the last responses of the day to settle.
const memoryRetention = 48 * time.Hour

// MemoryLedger is a [Ledger] for one process, held in memory. Create it with
// [NewMemoryLedger].
//
// It does not track holds one by one: it trusts its caller (the Governor
// does so through its permits) to end each hold exactly once. Leases are
// ignored, since a hold cannot outlive the process that holds the memory.
type MemoryLedger struct {
	mu      sync.Mutex
	days    map[Day]*memoryDay
	stopped time.Time
	seq     uint64
}

type memoryDay struct {
	spent int64
	held  int64
	// other is the spend of other integrations: the greatest value of
	// allotment - remaining - spent (spent as it was right after the
	// response was counted) over the day's observations, at least 0.
	other        int64
	lowest       int64
	hasRemaining bool
	reset        time.Time
}

var _ Ledger = (*MemoryLedger)(nil)

// NewMemoryLedger returns an empty in-memory ledger.
func NewMemoryLedger() *MemoryLedger {
	return &MemoryLedger{days: make(map[Day]*memoryDay)}
}

func (l *MemoryLedger) dayLocked(d Day, reset time.Time) *memoryDay {
	md, ok := l.days[d]
	if !ok {
		md = &memoryDay{reset: reset}
		if !reset.IsZero() {
			// A new day is the moment to forget old ones.
			for k, v := range l.days {
				if !v.reset.IsZero() && reset.Sub(v.reset) > memoryRetention {
					delete(l.days, k)
				}
			}
		}
		l.days[d] = md
	} else if md.reset.IsZero() {
		md.reset = reset
	}
	return md
}

func (md *memoryDay) orgSpent() int64 { return md.spent + md.other }

func (md *memoryDay) observe(remaining, allotment int64) {
	if !md.hasRemaining || remaining < md.lowest {
		md.lowest, md.hasRemaining = remaining, true
	}
	if allotment > 0 {
		if o := allotment - remaining - md.spent; o > md.other {
			md.other = o
		}
	}
}

// Reserve implements [Ledger.Reserve]. It returns an error for a
// non-positive Amount.
func (l *MemoryLedger) Reserve(ctx context.Context, r ReserveRequest) (ReserveResult, error) {
	if r.Amount <= 0 {
		return ReserveResult{}, fmt.Errorf("credits: reserve of %d credits: the amount must be positive: %w", r.Amount, ErrInvalidConfig)
	}
	l.mu.Lock()
	md := l.dayLocked(r.Day, r.Reset)
	avail := r.Limit - md.orgSpent() - md.held
	if r.Amount > avail {
		l.mu.Unlock()
		return ReserveResult{Available: max(avail, 0)}, nil
	}
	md.held += r.Amount
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	return ReserveResult{OK: true, Available: avail, Hold: Hold{ID: strconv.FormatUint(seq, 36), Day: r.Day, Amount: r.Amount}}, nil
}

// Settle implements [Ledger.Settle]. A negative Actual is charged as 0.
func (l *MemoryLedger) Settle(ctx context.Context, s Settlement) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	md := l.dayLocked(s.Hold.Day, time.Time{})
	md.held = max(md.held-s.Hold.Amount, 0)
	md.spent += max(s.Actual, 0)
	if s.HasRemaining {
		md.observe(s.Remaining, s.Allotment)
	}
	return nil
}

// Release implements [Ledger.Release].
func (l *MemoryLedger) Release(ctx context.Context, h Hold) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	md := l.dayLocked(h.Day, time.Time{})
	md.held = max(md.held-h.Amount, 0)
	return nil
}

// Observe implements [Ledger.Observe].
func (l *MemoryLedger) Observe(ctx context.Context, day Day, remaining, allotment int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dayLocked(day, time.Time{}).observe(remaining, allotment)
	return nil
}

// Stop implements [Ledger.Stop].
func (l *MemoryLedger) Stop(ctx context.Context, until time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.stopped) {
		l.stopped = until
	}
	return nil
}

// Snapshot implements [Ledger.Snapshot]. A day the ledger never saw is
// reported as empty.
func (l *MemoryLedger) Snapshot(ctx context.Context, day Day) (LedgerSnapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LedgerSnapshot{Day: day, StoppedUntil: l.stopped}
	if md, ok := l.days[day]; ok {
		s.Spent, s.Held, s.OrgSpent = md.spent, md.held, md.orgSpent()
		s.LowestRemaining, s.HasRemaining = md.lowest, md.hasRemaining
	}
	return s, nil
}
