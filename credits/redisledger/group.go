package redisledger

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-zohodesk/zohodesk/credits"
)

// maxGroup bounds the reservations one script run decides.
const maxGroup = 64

// maxRuns bounds the runs in flight at once. Up to maxRuns callers alone
// each send at once, as without grouping; beyond, callers queue and share
// the next run. Four runs in flight keep Redis busy while the callers of
// the others learn their decisions, settle and queue again: measured on
// two CPUs against redis_rate in the same run (decisions per second, 16
// goroutines), 2 runs gave 0.72-0.80x, 3 and 4 0.86-0.92x, 6 0.81-0.91x;
// with 4 and 8 goroutines 4 runs gave 0.50-0.65x where 2 gave 0.33-0.56x
// (a caller that queues behind two runs waits for a whole round trip).
const maxRuns = 4

// Group commit. Reservations made in Redis without local leasing
// (Options.Chunk zero) wait in one queue. A caller that finds fewer than
// maxRuns runs in flight sends its reservation at once, alone, within its
// own context: no timer waits for company. Callers that arrive while
// maxRuns runs are in flight queue. When a run ends, the oldest queued
// caller becomes a leader: the queued reservations of its day (its own
// first, at most maxGroup, in arrival order) are taken from the queue into
// its run at that moment, so that runs leave in arrival order, and each
// caller gets its own decision. A run of several callers goes out from a
// goroutine that lives for that one run (bounded by OpTimeout; Close waits
// for it), so that every caller, the leader too, waits within its own
// context and no caller's cancellation fails the others'. When the
// leader's context can never end (ctx.Done() is nil), waiting within it is
// waiting for the run, so the leader sends the run itself.

// Waiter states; they change under Ledger.gmu only.
const (
	wQueued = iota // in l.group, waiting
	wLead          // made leader of batch: it must send that run
	wSent          // in a run, sent or about to be
	wDone          // decided: dec and err are set
)

// waiter is one Reserve in the group-commit queue.
type waiter struct {
	r   credits.ReserveRequest
	res reservation
	// ready is closed when state becomes wLead or wDone; nil while its
	// own goroutine runs its run (see lead).
	ready chan struct{}
	state int
	batch []*waiter // the run to send, while wLead; batch[0] is the waiter
	// gone: the caller's context ended while its reservation was in a run;
	// the run releases what the script granted it.
	gone bool
	dec  decision
	err  error
}

// reserveGrouped decides r in Redis, in one script run with whatever other
// reservations of this Ledger for the same day wait at the same time.
func (l *Ledger) reserveGrouped(ctx context.Context, r credits.ReserveRequest) (credits.ReserveResult, error) {
	lease := r.Lease
	if lease <= 0 {
		lease = l.opts.Lease
	}
	w := &waiter{
		r:   r,
		res: reservation{id: l.newID("r"), min: r.Amount, max: r.Amount, limit: r.Limit, lease: lease},
	}
	l.gmu.Lock()
	// The queue is empty whenever a run's slot is free: a run that ends
	// hands its slot to the queue first.
	if l.groupRuns < maxRuns {
		l.groupRuns++
		w.state, w.batch = wLead, []*waiter{w}
		l.gmu.Unlock()
		return l.lead(ctx, w)
	}
	w.ready = make(chan struct{})
	l.group = append(l.group, w)
	l.gmu.Unlock()
	return l.await(ctx, w)
}

// await waits, within ctx, until w is decided or made leader.
func (l *Ledger) await(ctx context.Context, w *waiter) (credits.ReserveResult, error) {
	select {
	case <-w.ready:
	case <-ctx.Done():
		l.gmu.Lock()
		switch w.state {
		case wQueued:
			if i := slices.Index(l.group, w); i >= 0 {
				l.group = slices.Delete(l.group, i, i+1)
			}
			l.gmu.Unlock()
			return credits.ReserveResult{}, fmt.Errorf("redisledger: %w", ctx.Err())
		case wLead:
			// Made leader but leaving: the next of its run leads the
			// rest, or the slot passes on. (Who left the run before it
			// was sent has nothing to release.)
			rest := slices.DeleteFunc(w.batch[1:], func(x *waiter) bool { return x.gone })
			if len(rest) > 0 {
				rest[0].state, rest[0].batch = wLead, rest
				close(rest[0].ready)
			} else {
				l.handOffLocked()
			}
			w.batch = nil
			l.gmu.Unlock()
			return credits.ReserveResult{}, fmt.Errorf("redisledger: %w", ctx.Err())
		case wSent:
			// The run ends without this caller; whatever it grants w
			// is released.
			w.gone = true
			l.gmu.Unlock()
			return credits.ReserveResult{}, fmt.Errorf("redisledger: %w", ctx.Err())
		}
		l.gmu.Unlock() // wDone: the decision came in time
	}
	// The state was set, under gmu, before ready was closed.
	if w.state == wLead {
		return l.lead(ctx, w)
	}
	return l.outcome(w)
}

// handOffLocked passes the slot of a run that ended: the oldest queued
// caller leads the next run, which takes the queued reservations of its
// day now; with nobody queued, the slot is freed.
func (l *Ledger) handOffLocked() {
	if len(l.group) == 0 {
		l.groupRuns--
		return
	}
	next := l.group[0]
	batch := make([]*waiter, 0, min(len(l.group), maxGroup))
	rest := l.group[:0]
	for _, x := range l.group {
		if x.r.Day == next.r.Day && len(batch) < maxGroup {
			x.state = wSent
			batch = append(batch, x)
		} else {
			rest = append(rest, x)
		}
	}
	clear(l.group[len(rest):])
	l.group = rest
	next.state, next.batch = wLead, batch
	close(next.ready)
}

// lead sends w's run and returns w's outcome. A lone caller runs the script
// itself, within its own context, as without grouping. A run of several
// goes out from a goroutine of its own, bounded by OpTimeout and not by any
// caller's context; or from the leader itself when its context cannot end,
// since it then waits for the run in any case.
func (l *Ledger) lead(ctx context.Context, w *waiter) (credits.ReserveResult, error) {
	// A lone caller runs the script inline; so does the leader of
	// several when its context can never end (nor has a deadline), since
	// waiting within it is then waiting for the run: that spares a
	// goroutine and two hand-offs. Either way w is decided when run
	// returns, and nobody waits on w.ready.
	l.gmu.Lock()
	batch := w.batch
	inline := len(batch) == 1 || ctx.Done() == nil
	w.batch = nil
	w.state = wSent
	if inline {
		w.ready = nil
	} else {
		w.ready = make(chan struct{}) // a new leader's was closed to make it one
	}
	l.gmu.Unlock()

	if inline {
		l.run(ctx, batch)
		return l.outcome(w)
	}
	l.mu.Lock()
	l.busyLocked() // Close waits for the run
	l.mu.Unlock()
	go func() {
		defer func() {
			l.mu.Lock()
			l.idleLocked()
			l.mu.Unlock()
		}()
		l.run(context.WithoutCancel(ctx), batch)
	}()
	return l.await(ctx, w)
}

// run sends one script run for batch, hands each waiter its decision (or
// the run's error), makes the next leader, and releases what was granted
// to callers who left.
func (l *Ledger) run(ctx context.Context, batch []*waiter) {
	day := batch[0].r.Day
	q := request{res: make([]reservation, len(batch))}
	var expAt int64
	for i, x := range batch {
		q.res[i] = x.res
		expAt = max(expAt, l.reserveExpiry(x.r))
	}
	rep, err := l.call(ctx, day, expAt, l.opts.Lease, q)

	var orphans []update // granted holds nobody will end
	if err != nil && ctx.Err() != nil && !errors.Is(err, errDown) {
		// A lone caller cancelled in flight: the script may have granted
		// the hold. Releasing a hold that does not exist only records its
		// end.
		orphans = append(orphans, update{id: batch[0].res.id, end: endRelease})
	}
	l.gmu.Lock()
	for i, x := range batch {
		x.err = err
		if err == nil {
			x.dec = rep.res[i]
		}
		if !x.gone {
			x.state = wDone
			if x.ready != nil {
				close(x.ready)
			}
		} else if err == nil && x.dec.ok {
			orphans = append(orphans, update{id: x.res.id, end: endRelease})
		}
	}
	l.handOffLocked()
	l.gmu.Unlock()

	if len(orphans) > 0 {
		l.releaseLater(ctx, day, orphans)
	}
}

// outcome turns a waiter's decision into Reserve's answer, as a Reserve
// without grouping would have given it.
func (l *Ledger) outcome(w *waiter) (credits.ReserveResult, error) {
	if w.err != nil {
		if errors.Is(w.err, errDown) {
			return l.reserveShare(w.r, w.err)
		}
		return credits.ReserveResult{}, w.err
	}
	return w.dec.result(w.r.Day, w.res.id), nil
}

// releaseLater queues the release of holds whose callers left, so that the
// next round trip for day carries them (the flusher writes them if none
// comes; after Close they are written now).
func (l *Ledger) releaseLater(ctx context.Context, day credits.Day, ups []update) {
	l.mu.Lock()
	for _, u := range ups {
		l.enqueueLocked(day, u)
	}
	closed := l.closed
	l.scheduleFlushLocked(max(l.opts.SettleDelay, 0))
	l.mu.Unlock()
	if closed {
		l.tryFlush(context.WithoutCancel(ctx), day)
	}
}
