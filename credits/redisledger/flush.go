package redisledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// scheduleFlushLocked arms the flusher to write deferred settlements after
// d, unless it is armed already or the ledger is closed. The timer's
// function runs in a goroutine of its own only when it fires, so an idle
// ledger has no goroutine.
func (l *Ledger) scheduleFlushLocked(d time.Duration) {
	if l.closed || l.flushArmed {
		return
	}
	l.flushArmed = true
	l.busyLocked()
	if l.flushTimer == nil {
		l.flushTimer = time.AfterFunc(d, l.runFlush)
		return
	}
	l.flushTimer.Reset(d)
}

// busyLocked counts an armed timer or a running flush.
func (l *Ledger) busyLocked() {
	if l.flushBusy == 0 {
		l.flushIdle = make(chan struct{})
	}
	l.flushBusy++
}

// idleLocked uncounts what busyLocked counted.
func (l *Ledger) idleLocked() {
	l.flushBusy--
	if l.flushBusy == 0 {
		close(l.flushIdle)
	}
}

// runFlush is the flusher: it writes every day's deferred settlements and
// re-arms itself while some are left (after RetryInterval when Redis did not
// take them, so that a down or refusing Redis is not hammered).
func (l *Ledger) runFlush() {
	l.mu.Lock()
	l.flushArmed = false
	closed := l.closed
	l.mu.Unlock()
	var err error
	if !closed {
		err = l.flushQueued(l.flushCtx)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 || len(l.queuedObs) > 0 {
		delay := l.opts.SettleDelay
		if err != nil {
			delay = max(delay, l.opts.RetryInterval)
			if l.opts.Logger != nil && !errors.Is(err, errDown) && l.flushCtx.Err() == nil {
				l.opts.Logger.Warn("redisledger: writing deferred settlements failed; retrying",
					"org", l.opts.OrgKey, "retry_in", delay, "err", err)
			}
		}
		l.scheduleFlushLocked(delay)
	}
	l.idleLocked()
}

// flushQueued writes what is queued for every day, stopping at the first
// error (what is left stays queued).
func (l *Ledger) flushQueued(ctx context.Context) error {
	l.mu.Lock()
	days := make([]credits.Day, 0, len(l.queue)+len(l.queuedObs))
	for d := range l.queue {
		days = append(days, d)
	}
	for d := range l.queuedObs {
		if _, ok := l.queue[d]; !ok {
			days = append(days, d)
		}
	}
	l.mu.Unlock()
	for _, d := range days {
		if err := l.flushDay(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// flushDay writes what is queued for day: one round trip per maxAttach
// updates. It makes at most as many round trips as the queue needed when it
// started (plus one), so that settlements deferred meanwhile cannot keep it
// going; they ride along with the next call or flush.
func (l *Ledger) flushDay(ctx context.Context, day credits.Day) error {
	l.mu.Lock()
	rounds := len(l.queue[day])/maxAttach + 2
	l.mu.Unlock()
	for range rounds {
		l.mu.Lock()
		pending := len(l.queue[day]) > 0 || l.queuedObs[day].set
		l.mu.Unlock()
		if !pending {
			return nil
		}
		if _, err := l.call(ctx, day, l.dayExpiry(day), l.opts.Lease, request{}); err != nil {
			return err
		}
	}
	return nil
}

// stopFlusher disarms the flusher and waits, within ctx, until no flush
// runs. A flush in progress is cancelled; what it did not write stays
// queued for Close to write.
func (l *Ledger) stopFlusher(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	if l.flushArmed && l.flushTimer.Stop() {
		l.flushArmed = false
		l.idleLocked()
	}
	l.flushCancel()
	idle := l.flushIdle
	busy := l.flushBusy > 0
	l.mu.Unlock()
	if !busy {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisledger: waiting for the settlement flusher to stop: %w", ctx.Err())
	}
}
