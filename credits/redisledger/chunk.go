package redisledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func (l *Ledger) lockSync(ctx context.Context) error {
	select {
	case l.syncLock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisledger: %w", ctx.Err())
	}
}

func (l *Ledger) unlockSync() { <-l.syncLock }

// serveLocalLocked hands r out of a chunk when one can serve it: the chunk
// was reserved under a limit no higher than r.Limit (so the organisation's
// total was within r.Limit when it was taken), has the credits, and has at
// least CallTimeout of its lease left, so that the call ends before Redis
// could reap the chunk.
func (l *Ledger) serveLocalLocked(r credits.ReserveRequest) (credits.ReserveResult, bool) {
	now := time.Now()
	for _, c := range l.chunks[r.Day] {
		if c.retired || c.limit > r.Limit || c.free < r.Amount || c.deadline.Sub(now) < l.opts.CallTimeout {
			continue
		}
		avail := c.free
		c.free -= r.Amount
		c.out += r.Amount
		h := credits.Hold{ID: l.newID("c"), Day: r.Day, Amount: r.Amount}
		l.local[h.ID] = &localHold{hold: h, chunk: c}
		return credits.ReserveResult{OK: true, Hold: h, Available: avail}, true
	}
	return credits.ReserveResult{}, false
}

// retireLocked stops c handing out credits and returns the update that
// gives its free credits back (and ends it when no call holds any of it).
func (l *Ledger) retireLocked(c *chunk) update {
	c.retired = true
	c.free = 0
	if c.out <= 0 {
		return update{id: c.id, cum: c.spent, end: endSettle}
	}
	return update{id: c.id, cum: c.spent, amount: c.out, end: endKeep}
}

// reserveChunk takes a new chunk from Redis for r, giving back in the same
// round trip what the day's current chunks have not handed out.
func (l *Ledger) reserveChunk(ctx context.Context, r credits.ReserveRequest) (credits.ReserveResult, error) {
	if err := l.lockSync(ctx); err != nil {
		return credits.ReserveResult{}, err
	}
	defer l.unlockSync()
	l.mu.Lock()
	if res, ok := l.serveLocalLocked(r); ok {
		l.mu.Unlock()
		return res, nil
	}
	var ups []update
	for _, c := range l.chunks[r.Day] {
		if c.done {
			continue
		}
		if !c.retired || c.out <= 0 || c.spent > c.pushed {
			ups = append(ups, l.retireLocked(c))
		}
	}
	var otherDays []credits.Day
	for d, cs := range l.chunks {
		if d == r.Day {
			continue
		}
		for _, c := range cs {
			if !c.retired {
				otherDays = append(otherDays, d)
				break
			}
		}
	}
	expAt := l.reserveExpiry(r)
	l.mu.Unlock()

	id := l.newID("r")
	sent := time.Now()
	rep, err := l.call(ctx, r.Day, expAt, l.opts.Lease, request{
		res:     []reservation{{id: id, min: r.Amount, max: max(l.opts.Chunk, r.Amount), limit: r.Limit, lease: l.opts.Lease}},
		updates: ups,
	})
	if err != nil {
		if errors.Is(err, errDown) {
			return l.reserveShare(r, err)
		}
		return credits.ReserveResult{}, err
	}
	for _, d := range otherDays {
		// The day is over for this process: its chunks' free credits are
		// no use and go back.
		_ = l.pushDayLocked(ctx, d, true)
	}
	d := rep.res[0]
	if !d.ok {
		return credits.ReserveResult{Available: max(d.avail, 0)}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &chunk{
		id: id, day: r.Day, limit: r.Limit, expAt: expAt,
		free: d.granted - r.Amount, out: r.Amount,
		deadline: sent.Add(l.opts.Lease),
	}
	l.chunks[r.Day] = append(l.chunks[r.Day], c)
	h := credits.Hold{ID: l.newID("c"), Day: r.Day, Amount: r.Amount}
	l.local[h.ID] = &localHold{hold: h, chunk: c}
	return credits.ReserveResult{OK: true, Hold: h, Available: d.avail}, nil
}

// pushDay writes the day's chunk spend to Redis: it ends chunks no call
// holds any more, shrinks retired chunks to what calls still hold, and, when
// retireActive, gives back what active chunks have not handed out. If the
// round trip cannot be made now, the updates are queued and pushDay returns
// nil; leases bound what a queued update keeps held meanwhile.
func (l *Ledger) pushDay(ctx context.Context, day credits.Day, retireActive bool) error {
	if err := l.lockSync(ctx); err != nil {
		l.mu.Lock()
		for _, u := range l.dayUpdatesLocked(day, retireActive) {
			l.enqueueLocked(day, u)
		}
		l.mu.Unlock()
		return nil
	}
	defer l.unlockSync()
	return l.pushDayLocked(ctx, day, retireActive)
}

// pushDayLocked is pushDay for a caller holding syncLock.
func (l *Ledger) pushDayLocked(ctx context.Context, day credits.Day, retireActive bool) error {
	l.mu.Lock()
	ups := l.dayUpdatesLocked(day, retireActive)
	expAt := l.dayExpiry(day)
	for _, c := range l.chunks[day] {
		expAt = max(expAt, c.expAt)
	}
	queued := len(l.queue[day]) > 0 || l.queuedObs[day].set || l.pendObs[day].set
	l.mu.Unlock()
	if len(ups) == 0 && !queued {
		return nil
	}
	_, err := l.call(ctx, day, expAt, l.opts.Lease, request{updates: ups})
	if errors.Is(err, errDown) {
		return nil
	}
	return err
}

func (l *Ledger) dayUpdatesLocked(day credits.Day, retireActive bool) []update {
	var ups []update
	for _, c := range l.chunks[day] {
		switch {
		case c.done:
		case !c.retired && (retireActive || c.free < 0):
			ups = append(ups, l.retireLocked(c))
		case !c.retired:
			if c.spent > c.pushed {
				ups = append(ups, update{id: c.id, cum: c.spent, amount: c.free + c.out, end: endKeep})
			}
		case c.out <= 0:
			ups = append(ups, update{id: c.id, cum: c.spent, end: endSettle})
		case c.spent > c.pushed:
			ups = append(ups, update{id: c.id, cum: c.spent, amount: c.out, end: endKeep})
		}
	}
	return ups
}

// reserveShare decides r from the local share while Redis is unreachable.
func (l *Ledger) reserveShare(r credits.ReserveRequest, cause error) (credits.ReserveResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	used := l.shareHeld + l.shareQueued
	left := l.opts.LocalShare - used
	if left < r.Amount {
		return credits.ReserveResult{}, fmt.Errorf("redisledger: %d credits asked, %d of the local share of %d left: %w: %w",
			r.Amount, max(left, 0), l.opts.LocalShare, ErrLocalShareExhausted, cause)
	}
	v := l.views[r.Day]
	avail := r.Limit - v.spent - v.ext - v.held - used
	if avail < r.Amount {
		return credits.ReserveResult{Available: max(avail, 0)}, nil
	}
	h := credits.Hold{ID: l.newID("o"), Day: r.Day, Amount: r.Amount}
	l.local[h.ID] = &localHold{hold: h}
	l.shareHeld += r.Amount
	return credits.ReserveResult{OK: true, Hold: h, Available: min(avail, left)}, nil
}
