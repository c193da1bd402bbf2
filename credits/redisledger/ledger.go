package redisledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
)

// Ledger is a credits.Ledger kept in Redis and shared by every process that
// uses the same Options.OrgKey and Options.Prefix. Create it with New; it is
// safe for concurrent use. Its only background work is the flusher of
// deferred settlements (see Options.SettleDelay): a timer armed when a
// settlement is deferred, whose run writes what no Reserve carried; and a
// script run shared by several concurrent Reserve calls goes out from a
// goroutine that lives for that run, unless its leader's context can never
// end (see the package doc, Group commit). No
// goroutine runs while nothing is pending, and none outlives Close, which
// also gives back leased chunks and writes what an outage left unwritten.
// Call Close when done with a Ledger.
type Ledger struct {
	rdb        redis.UniversalClient
	opts       Options
	syncScript *redis.Script
	stopScript *redis.Script
	inst       string
	seq        atomic.Uint64
	lastDay    atomic.Pointer[dayInfo]
	// syncLock serialises the round trips that change chunks, so that the
	// absolute values they carry reach Redis in order. It is a channel so
	// that waiting for it honours contexts.
	syncLock chan struct{}

	// The group-commit queue of reservations made in Redis (see group.go).
	gmu       sync.Mutex
	group     []*waiter
	groupRuns int // leaders running a group or about to (at most maxRuns)

	mu      sync.Mutex
	closed  bool
	local   map[string]*localHold
	chunks  map[credits.Day][]*chunk
	views   map[credits.Day]view
	pendObs map[credits.Day]observation
	queue   map[credits.Day]map[string]update
	// sending counts, per hold ID, the runs in flight that carry its
	// queued update (see call).
	sending     map[string]int
	queuedObs   map[credits.Day]observation
	queuedStop  int64 // ms
	stopSeen    int64 // ms
	down        *outage
	shareHeld   int64
	shareQueued int64

	// The flusher of deferred settlements. flushBusy counts armed timers
	// and running flushes; flushIdle is closed when it drops to zero.
	flushCtx    context.Context
	flushCancel context.CancelFunc
	flushTimer  *time.Timer
	flushArmed  bool
	flushBusy   int
	flushIdle   chan struct{}
}

var _ credits.Ledger = (*Ledger)(nil)

// update carries absolute values for one hold: the spend charged to it so
// far and what it should still hold, so that applying it twice is harmless.
type update struct {
	id     string
	cum    int64
	amount int64
	end    int // endKeep, endSettle or endRelease
	share  bool
}

const (
	endKeep = iota
	endSettle
	endRelease
)

type observation struct {
	remaining, allotment int64
	set                  bool
}

func (o *observation) add(remaining, allotment int64) {
	if !o.set || remaining < o.remaining {
		o.remaining = remaining
	}
	if allotment > o.allotment {
		o.allotment = allotment
	}
	o.set = true
}

type localHold struct {
	hold  credits.Hold
	chunk *chunk // nil for a hold on the local share
}

// chunk is credits reserved in Redis as one hold and handed out locally.
type chunk struct {
	id       string
	day      credits.Day
	limit    int64
	expAt    int64
	free     int64 // not handed out; 0 once retired
	out      int64 // held by local holds in flight
	spent    int64 // settled by local holds, in total
	pushed   int64 // spent as Redis last acknowledged it
	deadline time.Time
	retired  bool
	done     bool
}

type view struct {
	spent, held, ext, low int64
	hasLow                bool
	stop                  int64
}

type outage struct {
	since     time.Time
	nextProbe time.Time
	probing   bool
}

// New returns a Ledger for opts.OrgKey on client. It does not contact Redis:
// an unreachable Redis shows at the first call, which then fails closed (see
// Options.LocalShare). Errors wrap credits.ErrInvalidConfig.
func New(client redis.UniversalClient, opts Options) (*Ledger, error) {
	if client == nil {
		return nil, fmt.Errorf("redisledger: the Redis client is nil: pass a redis.UniversalClient: %w", credits.ErrInvalidConfig)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("redisledger: generating an instance ID: %w", err)
	}
	sync, stop := newScripts()
	fctx, fcancel := context.WithCancel(context.Background())
	return &Ledger{
		flushCtx:    fctx,
		flushCancel: fcancel,
		rdb:         client,
		opts:        o,
		syncScript:  sync,
		stopScript:  stop,
		inst:        hex.EncodeToString(b[:]),
		syncLock:    make(chan struct{}, 1),
		local:       map[string]*localHold{},
		chunks:      map[credits.Day][]*chunk{},
		views:       map[credits.Day]view{},
		pendObs:     map[credits.Day]observation{},
		queue:       map[credits.Day]map[string]update{},
		sending:     map[string]int{},
		queuedObs:   map[credits.Day]observation{},
	}, nil
}

func (l *Ledger) newID(kind string) string {
	return l.inst + "." + kind + strconv.FormatUint(l.seq.Add(1), 36)
}

// isLocalID reports whether id was handed out by this ledger without a Redis
// hold of its own (a chunk or local-share hold).
func (l *Ledger) isLocalID(id string) bool {
	n := len(l.inst)
	return len(id) > n+1 && id[:n] == l.inst && id[n] == '.' && (id[n+1] == 'c' || id[n+1] == 'o')
}

// dayOf returns what the script runs of day need that depends only on the
// day: its keys, the EVALSHA command's head naming them, and the day's
// expiry. The last day's are kept, so that the runs of one day do not
// build them again; callers must not modify them.
func (l *Ledger) dayOf(day credits.Day) *dayInfo {
	if k := l.lastDay.Load(); k != nil && k.day == day {
		return k
	}
	base := l.opts.Prefix + "{" + l.opts.OrgKey + "}:"
	d := string(day)
	k := &dayInfo{day: day, keys: []string{base + "day:" + d, base + "stop"}}
	k.head = []any{"evalsha", l.syncScript.Hash(), len(k.keys)}
	for _, key := range k.keys {
		k.head = append(k.head, key)
	}
	k.expiry = l.parseDayExpiry(day)
	l.lastDay.Store(k)
	return k
}

// dayInfo is what dayOf returns.
type dayInfo struct {
	day    credits.Day
	keys   []string
	head   []any // "evalsha", the sync script's SHA1, len(keys), keys...
	expiry int64 // dayExpiry
}

func (l *Ledger) stopKey() string { return l.opts.Prefix + "{" + l.opts.OrgKey + "}:stop" }

// dayExpiry returns when a day's keys may expire: Retention after the latest
// instant the day can end in any time zone (UTC-12), or 0 when day is not a
// date (the script then keeps the keys 50 hours).
func (l *Ledger) dayExpiry(day credits.Day) int64 { return l.dayOf(day).expiry }

func (l *Ledger) parseDayExpiry(day credits.Day) int64 {
	t, err := time.Parse(time.DateOnly, string(day))
	if err != nil {
		return 0
	}
	return t.Add(36 * time.Hour).Add(l.opts.Retention).UnixMilli()
}

// Reserve implements credits.Ledger. The decision is one script run on the
// Redis server: it passes iff spent + external + held + r.Amount <= r.Limit
// for r.Day, after expired leases are reaped. With Options.Chunk set, a
// reservation that a local chunk can serve makes no round trip at all.
//
// Reservations made in Redis at the same time by goroutines of one Ledger
// share script runs (group commit, see the package doc): each is decided
// in arrival order, seeing the holds granted before it. A caller alone
// sends at once. A caller whose ctx ends while it waits for a run leaves
// the queue; one whose ctx ends while its run is in flight gets ctx's
// error, and a hold granted to it is released with the next round trip.
//
// While Redis is unreachable, Reserve grants from Options.LocalShare (and
// refuses what the last state seen from Redis shows cannot fit); once the
// share is used it returns an error matching ErrLocalShareExhausted and
// credits.ErrLedgerUnavailable.
func (l *Ledger) Reserve(ctx context.Context, r credits.ReserveRequest) (credits.ReserveResult, error) {
	if err := ctx.Err(); err != nil {
		return credits.ReserveResult{}, err
	}
	if r.Day == "" || r.Amount <= 0 {
		return credits.ReserveResult{}, fmt.Errorf("redisledger: reserve needs a day and a positive amount, got day %q amount %d: %w: %w", r.Day, r.Amount, ErrInvalidRequest, credits.ErrInvalidConfig)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return credits.ReserveResult{}, ErrClosed
	}
	if l.opts.Chunk > 0 {
		if res, ok := l.serveLocalLocked(r); ok {
			l.mu.Unlock()
			return res, nil
		}
	}
	l.mu.Unlock()
	if l.opts.Chunk > 0 {
		return l.reserveChunk(ctx, r)
	}
	return l.reserveGrouped(ctx, r)
}

func (l *Ledger) reserveExpiry(r credits.ReserveRequest) int64 {
	if r.Reset.IsZero() {
		return l.dayExpiry(r.Day)
	}
	return r.Reset.Add(l.opts.Retention).UnixMilli()
}

// Settle implements credits.Ledger. The actual cost is charged to the hold's
// own day, also when the hold's lease expired or the day is over; a negative
// Actual is charged as 0. A hold
// settled or released before is not charged again. While Redis is
// unreachable the settlement is kept and written when Redis returns, and
// Settle returns nil.
func (l *Ledger) Settle(ctx context.Context, s credits.Settlement) error {
	s.Actual = max(s.Actual, 0) // as credits.MemoryLedger: a negative cost is charged as 0
	var obs observation
	if s.HasRemaining {
		obs.add(s.Remaining, s.Allotment)
	}
	return l.end(ctx, s.Hold, s.Actual, endSettle, obs)
}

// Release implements credits.Ledger: the hold's credits are no longer held
// and nothing is charged. Releasing an ended hold does nothing.
func (l *Ledger) Release(ctx context.Context, h credits.Hold) error {
	return l.end(ctx, h, 0, endRelease, observation{})
}

func (l *Ledger) end(ctx context.Context, h credits.Hold, actual int64, how int, obs observation) error {
	if h.Day == "" || h.ID == "" {
		return fmt.Errorf("redisledger: hold without an ID or day: %w", ErrInvalidRequest)
	}
	l.mu.Lock()
	lh := l.local[h.ID]
	if lh == nil && l.isLocalID(h.ID) {
		l.mu.Unlock()
		return nil // ended before
	}
	if lh != nil {
		delete(l.local, h.ID)
		amt := lh.hold.Amount
		if lh.chunk == nil {
			l.shareHeld -= amt
			if how == endSettle {
				l.enqueueLocked(h.Day, update{id: h.ID, cum: actual, end: endSettle, share: true})
			}
			if obs.set {
				o := l.queuedObs[h.Day]
				o.add(obs.remaining, obs.allotment)
				l.queuedObs[h.Day] = o
			}
			l.mu.Unlock()
			l.tryFlush(ctx, h.Day)
			return nil
		}
		c := lh.chunk
		c.out -= amt
		c.spent += actual
		if !c.retired {
			c.free += amt - actual
		}
		news := false
		if obs.set {
			o := l.pendObs[h.Day]
			o.add(obs.remaining, obs.allotment)
			l.pendObs[h.Day] = o
			news = l.isNewsLocked(h.Day, obs)
		}
		push := (c.retired && c.out == 0 && !c.done) || c.free < 0 || news
		l.mu.Unlock()
		if push {
			return l.pushDay(ctx, h.Day, false)
		}
		return nil
	}
	u := update{id: h.ID, cum: actual, end: how}
	// Defer the write unless the ledger is closed (no flusher any more) or
	// the call cost more than it held: other processes must learn extra
	// spend now, while a deferred end only keeps them conservative.
	if l.opts.SettleDelay > 0 && !l.closed && actual <= h.Amount {
		l.enqueueLocked(h.Day, u)
		if obs.set {
			o := l.queuedObs[h.Day]
			o.add(obs.remaining, obs.allotment)
			l.queuedObs[h.Day] = o
		}
		l.scheduleFlushLocked(l.opts.SettleDelay)
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	_, err := l.call(ctx, h.Day, l.dayExpiry(h.Day), l.opts.Lease, request{updates: []update{u}, obs: obs})
	if errors.Is(err, errDown) {
		return nil // queued by call
	}
	return err
}

// isNewsLocked reports whether an observation shows the organisation spent
// more than the last state from Redis and this process's unwritten spend
// explain, by more than a chunk: then it is written at once rather than with
// the next chunk.
func (l *Ledger) isNewsLocked(day credits.Day, o observation) bool {
	v, ok := l.views[day]
	if !ok || o.allotment <= 0 {
		return !ok
	}
	var pend int64
	for _, c := range l.chunks[day] {
		pend += c.spent - c.pushed
	}
	return o.allotment-o.remaining-(v.spent+pend) > v.ext+l.opts.Chunk
}

// Observe implements credits.Ledger. While Redis is unreachable the lowest
// remaining seen is kept and written when Redis returns.
func (l *Ledger) Observe(ctx context.Context, day credits.Day, remaining, allotment int64) error {
	if day == "" || remaining < 0 {
		return fmt.Errorf("redisledger: observe needs a day and a non-negative remaining, got %q %d: %w", day, remaining, ErrInvalidRequest)
	}
	var o observation
	o.add(remaining, allotment)
	_, err := l.call(ctx, day, l.dayExpiry(day), l.opts.Lease, request{obs: o})
	if errors.Is(err, errDown) {
		return nil
	}
	return err
}

// Stop implements credits.Ledger. The stop is shared by every process of the
// organisation and kept in Redis until Retention after until. While Redis is
// unreachable it is kept locally, seen by this process's Snapshot, and
// written when Redis returns.
func (l *Ledger) Stop(ctx context.Context, until time.Time) error {
	ms := until.UnixMilli()
	l.mu.Lock()
	l.stopSeen = max(l.stopSeen, ms)
	down := l.down != nil
	if down {
		l.queuedStop = max(l.queuedStop, ms)
	}
	l.mu.Unlock()
	if down {
		return nil
	}
	err := l.writeStop(ctx, ms)
	if errors.Is(err, errDown) {
		l.mu.Lock()
		l.queuedStop = max(l.queuedStop, ms)
		l.mu.Unlock()
		return nil
	}
	return err
}

func (l *Ledger) writeStop(ctx context.Context, ms int64) error {
	octx, cancel := context.WithTimeout(ctx, l.opts.OpTimeout)
	defer cancel()
	v, err := l.stopScript.Run(octx, l.rdb, []string{l.stopKey()}, ms, l.opts.Retention.Milliseconds()).Int64()
	if err != nil {
		return l.failed(ctx, err)
	}
	l.mu.Lock()
	l.stopSeen = max(l.stopSeen, v)
	l.mu.Unlock()
	return nil
}

// Snapshot implements credits.Ledger. It first writes this process's
// deferred settlements for day (see Options.SettleDelay), so that its
// numbers include them. Spend that this process settled on
// local chunk holds but has not yet written to Redis is counted as Spent
// (not Held). While Redis is unreachable Snapshot returns the last state
// Redis gave for day, adjusted by what this process did since, and a nil
// error.
func (l *Ledger) Snapshot(ctx context.Context, day credits.Day) (credits.LedgerSnapshot, error) {
	if day == "" {
		return credits.LedgerSnapshot{}, fmt.Errorf("redisledger: snapshot needs a day: %w", ErrInvalidRequest)
	}
	_, err := l.call(ctx, day, l.dayExpiry(day), l.opts.Lease, request{})
	if err == nil {
		// The first round trip carried up to maxAttach deferred
		// settlements; write the rest so that the numbers are exact.
		err = l.flushDay(ctx, day)
	}
	if err != nil && !errors.Is(err, errDown) {
		return credits.LedgerSnapshot{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v := l.views[day]
	var pend int64
	for _, c := range l.chunks[day] {
		pend += c.spent - c.pushed
	}
	held := v.held
	if err != nil { // down: add what Redis has not seen
		for _, u := range l.queue[day] {
			if u.share {
				pend += u.cum
			}
		}
		for _, lh := range l.local {
			if lh.chunk == nil && lh.hold.Day == day {
				held += lh.hold.Amount
			}
		}
	}
	snap := credits.LedgerSnapshot{
		Day:             day,
		Spent:           v.spent + pend,
		Held:            max(held-pend, 0),
		OrgSpent:        v.spent + pend + v.ext,
		LowestRemaining: v.low,
		HasRemaining:    v.hasLow,
	}
	if q, ok := l.queuedObs[day]; ok && q.set && (!snap.HasRemaining || q.remaining < snap.LowestRemaining) {
		snap.LowestRemaining, snap.HasRemaining = q.remaining, true
	}
	if p, ok := l.pendObs[day]; ok && p.set && (!snap.HasRemaining || p.remaining < snap.LowestRemaining) {
		snap.LowestRemaining, snap.HasRemaining = p.remaining, true
	}
	if s := max(v.stop, l.stopSeen); s > 0 {
		snap.StoppedUntil = time.UnixMilli(s)
	}
	return snap, nil
}

// Close stops the flusher of deferred settlements (waiting, within ctx, for
// a flush in progress), gives back the credits of every leased chunk that no
// call holds, ends chunks no call holds any more, and writes the deferred
// settlements and what an outage left unwritten. Settlements after Close
// are written synchronously. Holds handed out before Close may still be settled or
// released; Reserve fails with ErrClosed. Close does not close the Redis
// client, and calling it again does no harm. It returns an error matching credits.ErrLedgerUnavailable if Redis
// could not take everything; leases then return the credits in time.
func (l *Ledger) Close(ctx context.Context) error {
	if err := l.stopFlusher(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	l.closed = true
	if l.down != nil {
		l.down.nextProbe = time.Time{} // try Redis now, once
	}
	days := make([]credits.Day, 0, len(l.chunks)+len(l.queue))
	seen := map[credits.Day]bool{}
	for d := range l.chunks {
		days, seen[d] = append(days, d), true
	}
	for d := range l.queue {
		if !seen[d] {
			days, seen[d] = append(days, d), true
		}
	}
	for d := range l.queuedObs {
		if !seen[d] {
			days, seen[d] = append(days, d), true
		}
	}
	l.mu.Unlock()
	var errs []error
	for _, d := range days {
		err := l.pushDay(ctx, d, true)
		if err == nil {
			err = l.flushDay(ctx, d)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	l.mu.Lock()
	stop := l.queuedStop
	l.mu.Unlock()
	if stop > 0 {
		if err := l.flushStop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (l *Ledger) flushStop(ctx context.Context) error {
	l.mu.Lock()
	stop := l.queuedStop
	l.mu.Unlock()
	if stop == 0 {
		return nil
	}
	if err := l.writeStop(ctx, stop); err != nil {
		return err
	}
	l.mu.Lock()
	if l.queuedStop == stop {
		l.queuedStop = 0
	}
	l.mu.Unlock()
	return nil
}
