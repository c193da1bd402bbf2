package redisledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
)

// errDown marks errors that mean Redis could not be reached; the ledger then
// fails closed to its local share.
var errDown = errors.New("redisledger: Redis unreachable")

// downError is returned while Redis is unreachable. It matches errDown and
// credits.ErrLedgerUnavailable.
type downError struct{ err error }

func (e *downError) Error() string {
	if e.err == nil {
		return "redisledger: Redis unreachable (waiting to retry)"
	}
	return "redisledger: Redis unreachable: " + e.err.Error()
}
func (e *downError) Is(t error) bool { return t == errDown || t == credits.ErrLedgerUnavailable }
func (e *downError) Unwrap() error   { return e.err }

// CorruptError reports a key holding a value the ledger's scripts did not
// write. It matches ErrCorrupt and credits.ErrLedgerUnavailable.
type CorruptError struct {
	// Detail names the key and what is wrong with it.
	Detail string
}

func (e *CorruptError) Error() string { return "redisledger: corrupt value in Redis: " + e.Detail }
func (e *CorruptError) Is(t error) bool {
	return t == ErrCorrupt || t == credits.ErrLedgerUnavailable
}

// maxAttach bounds the queued updates one round trip carries.
const maxAttach = 128

type request struct {
	// res are the reservations the script decides, in order.
	res     []reservation
	updates []update
	obs     observation
}

// reservation asks the script for a new hold of between min and max
// credits under limit, leased for lease.
type reservation struct {
	id       string
	min, max int64
	limit    int64
	lease    time.Duration
}

type reply struct {
	res      []decision // one per reservation, in order
	v        view
	serverMS int64
}

// decision is the script's answer to one reservation.
type decision struct {
	ok      bool
	granted int64
	avail   int64
}

func (d decision) result(day credits.Day, id string) credits.ReserveResult {
	if !d.ok {
		return credits.ReserveResult{Available: max(d.avail, 0)}
	}
	return credits.ReserveResult{OK: true, Hold: credits.Hold{ID: id, Day: day, Amount: d.granted}, Available: d.avail}
}

// call runs the sync script for day. Updates and observations it is given
// are never lost: if Redis does not take them they are queued and ride along
// with a later call for the same day. While Redis is down, call returns a
// downError at once except for one caller per RetryInterval, which probes.
func (l *Ledger) call(ctx context.Context, day credits.Day, expAt int64, lease time.Duration, q request) (reply, error) {
	l.mu.Lock()
	if d := l.down; d != nil {
		if d.probing || time.Now().Before(d.nextProbe) {
			l.queueRequestLocked(day, q)
			l.mu.Unlock()
			return reply{}, &downError{}
		}
		d.probing = true
	}
	ups := q.updates
	if qd := l.queue[day]; len(qd) > 0 && len(ups) < maxAttach {
		// The queue's IDs are distinct; only the request's own updates
		// may repeat them.
		var sent map[string]bool
		if len(ups) > 0 {
			sent = make(map[string]bool, len(ups))
			for _, u := range ups {
				sent[u.id] = true
			}
		}
		// A run that decides reservations leaves out what another run
		// in flight carries already (concurrent runs would otherwise
		// each carry every deferred settlement); a flush carries
		// everything, so that it ends with the queue written even if
		// that run fails.
		busy := len(q.res) > 0
		ups = slices.Grow(ups[:len(ups):len(ups)], min(len(qd), maxAttach-len(ups)))
		for id, u := range qd {
			if len(ups) >= maxAttach {
				break
			}
			if !sent[id] && (!busy || l.sending[id] == 0) {
				ups = append(ups, u)
				l.sending[id]++
			}
		}
	}
	attached := ups[len(q.updates):]
	obs := q.obs
	qo, po := l.queuedObs[day], l.pendObs[day]
	if qo.set {
		obs.add(qo.remaining, qo.allotment)
	}
	if po.set {
		obs.add(po.remaining, po.allotment)
	}
	l.mu.Unlock()

	rep, err := l.eval(ctx, day, expAt, lease, q, ups, obs)
	l.mu.Lock()
	for _, u := range attached {
		if l.sending[u.id]--; l.sending[u.id] == 0 {
			delete(l.sending, u.id)
		}
	}
	if err != nil {
		l.queueRequestLocked(day, q)
		if l.down != nil {
			l.down.probing = false
		}
		l.mu.Unlock()
		return reply{}, l.failed(ctx, err)
	}

	for _, u := range ups {
		if qu, ok := l.queue[day][u.id]; ok && qu == u {
			delete(l.queue[day], u.id)
			if u.share {
				l.shareQueued -= u.cum
			}
		}
		for i, c := range l.chunks[day] {
			if c.id != u.id {
				continue
			}
			c.pushed = max(c.pushed, u.cum)
			if u.end != endKeep {
				c.done = true
				l.chunks[day] = append(l.chunks[day][:i:i], l.chunks[day][i+1:]...)
			}
			break
		}
	}
	if len(l.queue[day]) == 0 {
		delete(l.queue, day)
	}
	if l.queuedObs[day] == qo {
		delete(l.queuedObs, day)
	}
	if l.pendObs[day] == po {
		delete(l.pendObs, day)
	}
	if len(l.chunks[day]) == 0 {
		delete(l.chunks, day)
	}
	l.views[day] = rep.v
	l.stopSeen = max(l.stopSeen, rep.v.stop)
	if len(l.views) > 8 {
		oldest := day
		for d := range l.views {
			if d < oldest {
				oldest = d
			}
		}
		delete(l.views, oldest)
	}
	l.mu.Unlock()
	if l.markUp() {
		l.flushAll(ctx, day)
	}
	return rep, nil
}

func (l *Ledger) eval(ctx context.Context, day credits.Day, expAt int64, lease time.Duration, q request, ups []update, obs observation) (reply, error) {
	// The whole command in one slice, handed to the client as it is:
	// EVALSHA, the script's SHA1, the keys, then ARGV.
	head := l.dayOf(day).head
	args := make([]any, 0, len(head)+6+5*len(q.res)+4*len(ups))
	args = append(args, head...)
	rem, allot := int64(-1), int64(0)
	if obs.set {
		rem, allot = obs.remaining, obs.allotment
	}
	args = append(args, expAt, max(lease.Milliseconds(), 1), rem, allot, len(q.res), len(ups))
	for _, r := range q.res {
		args = append(args, r.id, r.min, r.max, r.limit, max(r.lease.Milliseconds(), 1))
	}
	for _, u := range ups {
		args = append(args, u.id, u.cum, u.amount, u.end)
	}
	octx, cancel := context.WithTimeout(ctx, l.opts.OpTimeout)
	defer cancel()
	cmd := l.evalCmd(octx, args)
	if err := cmd.Err(); redis.HasErrorPrefix(err, "NOSCRIPT") || errors.Is(err, redis.ErrNoScript) {
		// Redis lost the script: send its source (as Script.Run does).
		eargs := slices.Clone(args)
		eargs[0], eargs[1] = "eval", syncSource
		cmd = l.evalCmd(octx, eargs)
	}
	vals, err := cmd.Int64Slice()
	if err != nil {
		return reply{}, err
	}
	if want := 6 + 3*len(q.res); len(vals) != want {
		return reply{}, fmt.Errorf("redisledger: script replied with %d values, want %d: %w", len(vals), want, credits.ErrLedgerUnavailable)
	}
	r := reply{serverMS: vals[5]}
	r.v = view{spent: vals[0], held: vals[1], ext: vals[2], low: vals[3], hasLow: vals[3] >= 0, stop: vals[4]}
	if !r.v.hasLow {
		r.v.low = 0
	}
	r.res = make([]decision, len(q.res))
	for i := range r.res {
		o := vals[6+3*i:]
		r.res[i] = decision{ok: o[0] == 1, granted: o[1], avail: o[2]}
	}
	return r, nil
}

// evalCmd sends args, an EVALSHA or EVAL command whose keys start at its
// fourth word, and returns it done.
func (l *Ledger) evalCmd(ctx context.Context, args []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	cmd.SetFirstKeyPos(3)
	_ = l.rdb.Process(ctx, cmd)
	return cmd
}

// queueRequestLocked keeps a request's updates and observation for a later call.
func (l *Ledger) queueRequestLocked(day credits.Day, q request) {
	for _, u := range q.updates {
		l.enqueueLocked(day, u)
	}
	if q.obs.set {
		o := l.queuedObs[day]
		o.add(q.obs.remaining, q.obs.allotment)
		l.queuedObs[day] = o
	}
}

func (l *Ledger) enqueueLocked(day credits.Day, u update) {
	m := l.queue[day]
	if m == nil {
		m = map[string]update{}
		l.queue[day] = m
	}
	if old, ok := m[u.id]; ok {
		if old.share {
			l.shareQueued -= old.cum
		}
		if old.end != endKeep && u.end == endKeep {
			return // an end is never undone
		}
		u.cum = max(u.cum, old.cum)
	}
	m[u.id] = u
	if u.share {
		l.shareQueued += u.cum
	}
}

// outageReplies are Redis error replies that mean the server cannot serve
// now, as opposed to refusing what was asked.
var outageReplies = []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "OOM", "BUSY", "NOREPLICAS", "MOVED", "ASK"}

// failed turns a Redis error into the ledger's error, marking an outage when
// Redis could not be reached. The caller's own cancellation is not an outage.
func (l *Ledger) failed(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("redisledger: %w", cerr)
	}
	msg := err.Error()
	if i := strings.Index(msg, corruptMarker); i >= 0 {
		return &CorruptError{Detail: strings.TrimSpace(msg[i+len(corruptMarker):])}
	}
	if strings.Contains(msg, "WRONGTYPE") {
		return &CorruptError{Detail: msg}
	}
	var rerr redis.Error
	if errors.As(err, &rerr) && !errors.Is(err, context.DeadlineExceeded) {
		outage := false
		for _, p := range outageReplies {
			if strings.HasPrefix(msg, p) {
				outage = true
			}
		}
		if !outage {
			return fmt.Errorf("redisledger: Redis refused the script: %v: %w", err, credits.ErrLedgerUnavailable)
		}
	}
	l.markDown(err)
	return &downError{err: err}
}

func (l *Ledger) markDown(err error) {
	now := time.Now()
	l.mu.Lock()
	first := l.down == nil
	if first {
		l.down = &outage{since: now}
	}
	l.down.nextProbe = now.Add(l.opts.RetryInterval)
	l.down.probing = false
	l.mu.Unlock()
	if !first {
		return
	}
	if l.opts.Logger != nil {
		l.opts.Logger.Warn("redisledger: Redis unreachable; failing closed to the local share",
			"org", l.opts.OrgKey, "local_share", l.opts.LocalShare, "err", err)
	}
	if l.opts.OnOutage != nil {
		l.opts.OnOutage(err)
	}
}

// markUp ends an outage and reports whether there was one.
func (l *Ledger) markUp() bool {
	l.mu.Lock()
	d := l.down
	l.down = nil
	l.mu.Unlock()
	if d == nil {
		return false
	}
	downtime := time.Since(d.since)
	if l.opts.Logger != nil {
		l.opts.Logger.Info("redisledger: Redis reachable again", "org", l.opts.OrgKey, "downtime", downtime)
	}
	if l.opts.OnRecover != nil {
		l.opts.OnRecover(downtime)
	}
	return true
}

// flushAll writes what an outage left queued for days other than done.
func (l *Ledger) flushAll(ctx context.Context, done credits.Day) {
	l.mu.Lock()
	var days []credits.Day
	for d := range l.queue {
		if d != done {
			days = append(days, d)
		}
	}
	for d := range l.queuedObs {
		if _, ok := l.queue[d]; !ok && d != done {
			days = append(days, d)
		}
	}
	l.mu.Unlock()
	for _, d := range days {
		if _, err := l.call(ctx, d, l.dayExpiry(d), l.opts.Lease, request{}); err != nil {
			return
		}
	}
	_ = l.flushStop(ctx)
}

// tryFlush writes what is queued for day if Redis may be tried now.
func (l *Ledger) tryFlush(ctx context.Context, day credits.Day) {
	_, _ = l.call(ctx, day, l.dayExpiry(day), l.opts.Lease, request{})
}
