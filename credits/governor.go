package credits

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the Config fields that tune the Governor.
const (
	// DefaultLegacyAfter is how many successful responses in a row without
	// credit headers make ModeAuto switch to legacy counting.
	DefaultLegacyAfter = 10
	// DefaultLedgerRefresh is how often the Governor re-reads the ledger's
	// stop flag, which other processes of a fleet may set.
	DefaultLedgerRefresh = time.Second
	// budgetRecheck bounds each wait of OnExhausted: WaitForReset, so that
	// credits given back (released holds, a raised cap) are noticed before
	// the reset.
	budgetRecheck = time.Minute
)

// Codes of Desk's 429 answers (the body's errorCode).
const (
	CodeThresholdExceeded = "THRESHOLD_EXCEEDED"
	CodeTooManyRequests   = "TOO_MANY_REQUESTS"
)

// unlimited stands for "no daily limit" in legacy mode without PerDay.
const unlimited = math.MaxInt64 / 4

// Config configures a Governor. Only Plan is required.
type Config struct {
	Plan   Plan
	Budget Budget
	// Ledger records spend; nil means a new in-memory ledger.
	Ledger Ledger
	// Zone is the credit day's time zone; nil means UTC. Desk's day is the
	// calendar day of the data centre (package desk knows each one's zone).
	Zone *time.Location
	// Clock is the source of time for reading and waiting; nil means
	// SystemClock().
	Clock Clock
	// Logger receives what the Observer does not take; nil means slog.Default().
	Logger *slog.Logger
	// Mode is the charging model; 0 means ModeAuto.
	Mode Mode
	// Legacy are the request-count limits used in legacy mode. A zero
	// PerDay or PerMinute means that limit is not enforced (only counted).
	Legacy LegacyLimits

	// Allotment, when positive, replaces Plan.Daily() as the day's credits
	// (for a plan whose terms differ from the published table).
	Allotment int64
	// ConcurrencyOverride, when positive, replaces Plan.Concurrency().
	ConcurrencyOverride int
	// CostModel estimates calls; nil means NewCostModel(Costs). Share one
	// model between Governors to share what is learnt.
	CostModel *CostModel
	// Costs configures the cost model when CostModel is nil.
	Costs CostOptions
	// Observer receives state changes; nil callbacks log through Logger.
	Observer Observer
	// LegacyAfter is how many successful (2xx) responses in a row without
	// any credit header make ModeAuto switch to legacy counting; 0 means
	// DefaultLegacyAfter. Non-2xx responses (a 401 carries no credit
	// headers) neither count nor break the run; any response with a credit
	// header, even a malformed one, breaks it and switches back to credits.
	LegacyAfter int
	// LedgerRefresh is how often the ledger's stop flag is re-read; 0 means
	// DefaultLedgerRefresh.
	LedgerRefresh time.Duration
	// Lease is passed to Ledger.Reserve (how long an abandoned hold lives);
	// 0 means the ledger's default.
	Lease time.Duration
}

// Governor admits, paces and charges every attempt of one client. It is safe
// for concurrent use and starts no goroutine.
//
// For each attempt, Admit checks in this order: the job's cap (WithJob), the
// organisation's stop flag (THRESHOLD_EXCEEDED), then, in one atomic ledger
// reservation, the daily cap, the interactive reserve (for Background calls)
// and the organisation's last known remaining credits (the ledger counts
// other integrations' spend in OrgSpent); then it waits for pacing and for a
// concurrency slot.
type Governor struct {
	clock     Clock
	ledger    Ledger
	costs     *CostModel
	obs       Observer
	window    *Window
	mode      Mode // configured
	policy    ExhaustedPolicy
	pacing    Pacing
	zone      *time.Location
	plan      Plan
	allotment int64 // credits per day
	capLimit  int64 // credits the org may have spent before this client stops
	reserve   int64 // credits of capLimit reserved for Interactive calls
	legacyCap int64 // requests per day in legacy mode (unlimited if unknown)
	legacyRes int64
	lease     time.Duration
	refresh   time.Duration
	legAfter  int64

	// Budget.ForecastOthers and Budget.ProrateReserve: the tracks are
	// updated under fcMu at each ledger refresh, and their forecasts
	// published for Admit in othersFc and interFc (credits).
	forecastOthers, prorate bool
	fcMu                    sync.Mutex
	others, inter           spendTrack
	othersFc, othersPt      atomic.Int64 // upper bound, point forecast
	interFc                 atomic.Int64

	legacy      atomic.Bool // counting requests now
	noCreditRun atomic.Int64

	cur         atomic.Pointer[dayInfo]
	stopUntil   atomic.Int64 // unix nanoseconds; 0: not stopped
	nextRefresh atomic.Int64 // unix nanoseconds

	even      *rate.Limiter // nil unless Pacing is Even
	evenBurst atomic.Int64
	perMinute *rate.Limiter // nil unless Legacy.PerMinute > 0

	slots *slots

	// lastObs packs the server second of the latest remaining credits Desk
	// reported (unix seconds - obsEpoch, high 32 bits; 0: never) and the
	// lowest remaining reported in that second (low 32 bits). See
	// noteRemaining.
	lastObs  atomic.Uint64
	obsEpoch int64

	jobsMu sync.Mutex
	jobs   atomic.Pointer[map[string]*jobState]

	prio [2]prioStats

	refusedBudget, refusedJob, refusedStop atomic.Int64
	throttleStop, throttleConc             atomic.Int64
	waits, waitNanos                       atomic.Int64
	headerProblems, ledgerErrors           atomic.Int64
	modeChanges                            atomic.Int64
	started                                time.Time
}

type dayInfo struct {
	day          Day
	start, reset time.Time
}

type prioStats struct {
	admitted, charged, refused atomic.Int64
}

type jobState struct {
	name             string
	mu               sync.Mutex
	cap, spent, held int64
	calls, refused   atomic.Int64
	lastCap          atomic.Int64
}

// NewGovernor validates cfg and returns a Governor. Every configuration
// error wraps ErrInvalidConfig.
func NewGovernor(cfg Config) (*Governor, error) {
	if err := cfg.Plan.Validate(); err != nil {
		return nil, err
	}
	g := &Governor{plan: cfg.Plan, clock: cfg.Clock, ledger: cfg.Ledger, costs: cfg.CostModel, zone: cfg.Zone}
	if g.clock == nil {
		g.clock = SystemClock()
	}
	if g.ledger == nil {
		g.ledger = NewMemoryLedger()
	}
	if g.zone == nil {
		g.zone = time.UTC
	}
	if g.costs == nil {
		m, err := NewCostModel(cfg.Costs)
		if err != nil {
			return nil, err
		}
		g.costs = m
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	g.obs = cfg.Observer.resolve(log)
	g.window = NewWindow(g.zone)

	if cfg.Allotment < 0 {
		return nil, fmt.Errorf("credits: Allotment is %d: it cannot be negative: %w", cfg.Allotment, ErrInvalidConfig)
	}
	g.allotment = cfg.Plan.Daily()
	if cfg.Allotment > 0 {
		g.allotment = cfg.Allotment
	}
	b := cfg.Budget
	var err error
	if g.capLimit, err = capCredits(b.Cap, g.allotment); err != nil {
		return nil, err
	}
	r := b.InteractiveReserve
	if math.IsNaN(r) || r < 0 || r >= 1 {
		return nil, fmt.Errorf("credits: Budget.InteractiveReserve is %v: it must be a fraction of the cap, 0 <= r < 1: %w", r, ErrInvalidConfig)
	}
	g.reserve = int64(math.Round(r * float64(g.capLimit)))
	g.forecastOthers, g.prorate = b.ForecastOthers, b.ProrateReserve

	switch b.Pacing {
	case 0, Asap:
		g.pacing = Asap
	case Even:
		g.pacing = Even
	default:
		return nil, fmt.Errorf("credits: Budget.Pacing %v is unknown: use Asap or Even: %w", b.Pacing, ErrInvalidConfig)
	}
	switch b.OnExhausted {
	case 0, Fail:
		g.policy = Fail
	case WaitForReset:
		g.policy = WaitForReset
	default:
		return nil, fmt.Errorf("credits: Budget.OnExhausted %v is unknown: use Fail or WaitForReset: %w", b.OnExhausted, ErrInvalidConfig)
	}
	switch cfg.Mode {
	case 0, ModeAuto:
		g.mode = ModeAuto
	case ModeCredits, ModeLegacy:
		g.mode = cfg.Mode
	default:
		return nil, fmt.Errorf("credits: Mode %v is unknown: use ModeAuto, ModeCredits or ModeLegacy: %w", cfg.Mode, ErrInvalidConfig)
	}
	if cfg.Legacy.PerDay < 0 || cfg.Legacy.PerMinute < 0 {
		return nil, fmt.Errorf("credits: LegacyLimits %+v: limits cannot be negative: %w", cfg.Legacy, ErrInvalidConfig)
	}
	g.legacyCap = unlimited
	if cfg.Legacy.PerDay > 0 {
		// The budget's fraction applies to requests as it does to credits;
		// an absolute cap is in credits and cannot be converted, so it is
		// bounded by PerDay.
		day := int64(cfg.Legacy.PerDay)
		switch {
		case b.Cap == 0:
			g.legacyCap = day
		case b.Cap <= 1:
			g.legacyCap = max(int64(math.Floor(b.Cap*float64(day))), 1)
		default:
			g.legacyCap = min(int64(b.Cap), day)
		}
		g.legacyRes = int64(math.Round(r * float64(g.legacyCap)))
	}
	if cfg.LegacyAfter < 0 || cfg.LedgerRefresh < 0 || cfg.Lease < 0 || cfg.ConcurrencyOverride < 0 {
		return nil, fmt.Errorf("credits: LegacyAfter, LedgerRefresh, Lease and ConcurrencyOverride cannot be negative: %w", ErrInvalidConfig)
	}
	g.legAfter = int64(cmpOr(cfg.LegacyAfter, DefaultLegacyAfter))
	g.refresh = cmpOr(cfg.LedgerRefresh, DefaultLedgerRefresh)
	g.lease = cfg.Lease

	conc := cfg.Plan.Concurrency()
	if cfg.ConcurrencyOverride > 0 {
		conc = cfg.ConcurrencyOverride
	}
	g.slots = newSlots(max(conc, 1))

	now := g.clock.Now()
	g.started = now
	g.obsEpoch = now.Unix() - 1<<24 // leaves room for a server clock behind ours
	if g.pacing == Even {
		// A new limiter starts full; drained, a restart cannot burst. The
		// rate is set on every admission from what is left of the day.
		g.even = rate.NewLimiter(0, 1)
		g.even.ReserveN(now, 1)
		g.evenBurst.Store(1)
	}
	if cfg.Legacy.PerMinute > 0 {
		// Any 60 s window sees at most burst + 60 s × rate = PerMinute, so
		// a rolling one-minute limit on Desk's side is never passed.
		pm := float64(cfg.Legacy.PerMinute)
		burst := max(cfg.Legacy.PerMinute/10, 1)
		g.perMinute = rate.NewLimiter(rate.Limit((pm-float64(burst))/60), burst)
		if pm-float64(burst) <= 0 {
			g.perMinute = rate.NewLimiter(rate.Limit(pm/120), 1)
		}
		g.perMinute.ReserveN(now, burst)
	}
	g.legacy.Store(g.mode == ModeLegacy)
	empty := map[string]*jobState{}
	g.jobs.Store(&empty)
	return g, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func capCredits(c float64, allotment int64) (int64, error) {
	switch {
	case math.IsNaN(c) || math.IsInf(c, 0) || c < 0:
		return 0, fmt.Errorf("credits: Budget.Cap is %v: it must be a fraction in (0, 1] or a number of credits up to the allotment (%d): %w", c, allotment, ErrInvalidConfig)
	case c == 0:
		c = 1
	}
	var n int64
	if c <= 1 {
		n = int64(math.Floor(c * float64(allotment)))
	} else {
		if c > float64(allotment) {
			return 0, fmt.Errorf("credits: Budget.Cap is %v credits, above the plan's allotment of %d: %w", c, allotment, ErrInvalidConfig)
		}
		n = int64(c)
	}
	if n < 1 {
		return 0, fmt.Errorf("credits: Budget.Cap %v of an allotment of %d leaves no credit to spend: %w", c, allotment, ErrInvalidConfig)
	}
	return n, nil
}

// Estimate returns the credits call is expected to cost (at least 1); in
// legacy mode every call counts 1 request.
func (g *Governor) Estimate(call Call) int64 {
	if g.legacy.Load() {
		return 1
	}
	return g.costs.Estimate(call)
}

// CostModel returns the Governor's cost model.
func (g *Governor) CostModel() *CostModel { return g.costs }

// Window returns the Governor's credit day.
func (g *Governor) Window() *Window { return g.window }

// Limit returns the credits (requests in legacy mode) the organisation may
// have spent now before calls of priority p are refused: the cap for
// Interactive calls; for Background calls, the cap less the interactive
// reserve (prorated under Budget.ProrateReserve) and less the forecast of
// the other integrations' spend for the rest of the day
// (Budget.ForecastOthers). Without those options it does not change during
// the day.
func (g *Governor) Limit(p Priority) int64 {
	now := g.clock.Now()
	return g.limitAt(p, now, g.dayAt(now))
}

func (g *Governor) limitAt(p Priority, now time.Time, di *dayInfo) int64 {
	if g.legacy.Load() {
		if p != Interactive {
			return g.legacyCap - g.legacyRes
		}
		return g.legacyCap
	}
	if p == Interactive {
		return g.capLimit
	}
	return g.capLimit - g.othersFc.Load() - g.reserveAt(now, di)
}

// reserveAt returns the interactive reserve in credits at now (see
// Budget.ProrateReserve).
func (g *Governor) reserveAt(now time.Time, di *dayInfo) int64 {
	if !g.prorate || g.reserve == 0 {
		return g.reserve
	}
	f := float64(di.reset.Sub(now)) / float64(di.reset.Sub(di.start))
	r := int64(math.Ceil(min(max(f, 0), 1) * float64(g.reserve)))
	return min(g.reserve, max(r, g.interFc.Load()))
}

func (g *Governor) allotmentNow() int64 {
	if g.legacy.Load() {
		return g.legacyCap
	}
	return g.allotment
}

// dayAt returns the credit day containing now, announcing a new day once.
func (g *Governor) dayAt(now time.Time) *dayInfo {
	di := g.cur.Load()
	if di != nil && !now.Before(di.start) && now.Before(di.reset) {
		return di
	}
	start, reset := g.window.Bounds(now)
	nd := &dayInfo{day: dayOf(start.Add(-g.window.Shift()), g.zone), start: start, reset: reset}
	if g.cur.CompareAndSwap(di, nd) && di != nil && nd.day > di.day {
		g.obs.OnReset(ResetEvent{Previous: di.day, Day: nd.day, At: now, Shift: g.window.Shift()})
	}
	return nd
}

// stoppedUntil returns the end of the organisation's stop, re-reading the
// ledger (shared with a fleet) at most every LedgerRefresh; each reading
// also updates the forecasts.
func (g *Governor) stoppedUntil(ctx context.Context, now time.Time, di *dayInfo) time.Time {
	n := now.UnixNano()
	if next := g.nextRefresh.Load(); n >= next && g.nextRefresh.CompareAndSwap(next, n+int64(g.refresh)) {
		snap, err := g.ledger.Snapshot(ctx, di.day)
		if err != nil {
			g.ledgerError(fmt.Errorf("credits: reading the stop flag: %w: %w", ErrLedgerUnavailable, err))
		} else {
			if !snap.StoppedUntil.IsZero() {
				g.raiseStop(snap.StoppedUntil)
			}
			g.updateForecasts(now, di, snap)
		}
	}
	if su := g.stopUntil.Load(); su > n {
		return time.Unix(0, su)
	}
	return time.Time{}
}

// updateForecasts feeds a ledger reading to the spend tracks and publishes
// their forecasts (Budget.ForecastOthers, Budget.ProrateReserve).
func (g *Governor) updateForecasts(now time.Time, di *dayInfo, snap LedgerSnapshot) {
	if !g.forecastOthers && !g.prorate {
		return
	}
	g.fcMu.Lock()
	defer g.fcMu.Unlock()
	if g.forecastOthers {
		// Before Desk reported anything today, the others' spend is unknown.
		var fc, pt int64
		if snap.HasRemaining && !g.legacy.Load() {
			var seen time.Time
			if o := g.lastObs.Load(); o != 0 {
				seen = time.Unix(int64(o>>32)+g.obsEpoch+1, 0) // the end of the second
			}
			g.others.add(di.day, now, seen, max(snap.OrgSpent-snap.Spent, 0), g.refresh)
			sigmas := float64(forecastSigmas)
			if g.pacing == Asap {
				sigmas = forecastSigmasAsap
			}
			pt, fc = g.others.forecast(di.day, now, di.start, di.reset, true, sigmas)
		}
		g.othersFc.Store(fc)
		g.othersPt.Store(pt)
	}
	if g.prorate {
		g.inter.add(di.day, now, now, g.prio[0].charged.Load(), g.refresh)
		_, fc := g.inter.forecast(di.day, now, di.start, di.reset, false, forecastSigmas)
		g.interFc.Store(fc)
	}
}

func (g *Governor) raiseStop(until time.Time) {
	u := until.UnixNano()
	for {
		old := g.stopUntil.Load()
		if u <= old || g.stopUntil.CompareAndSwap(old, u) {
			return
		}
	}
}

func (g *Governor) ledgerError(err error) {
	g.ledgerErrors.Add(1)
	g.obs.OnLedgerError(err)
}

func prioIndex(p Priority) int {
	if p == Interactive {
		return 0
	}
	return 1 // unknown priorities get the stricter treatment
}

func (g *Governor) job(name string) *jobState {
	if js, ok := (*g.jobs.Load())[name]; ok {
		return js
	}
	g.jobsMu.Lock()
	defer g.jobsMu.Unlock()
	cur := *g.jobs.Load()
	if js, ok := cur[name]; ok {
		return js
	}
	js := &jobState{name: name}
	next := make(map[string]*jobState, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[name] = js
	g.jobs.Store(&next)
	return js
}

// reserve holds n credits of the job if spent + held + n <= cap; it returns
// what was available.
func (js *jobState) reserve(n, cap int64) (int64, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.cap = cap
	avail := cap - js.spent - js.held
	if cap > 0 && n > avail {
		return max(avail, 0), false
	}
	js.held += n
	return avail, true
}

func (js *jobState) end(held, charged int64) {
	if js == nil {
		return
	}
	js.mu.Lock()
	js.held -= held
	js.spent += charged
	js.mu.Unlock()
}

// Admit waits until call may be sent and returns a permit for it, or
// returns an error without sending anything: a *Refusal (matching
// ErrJobCapReached, ErrThresholdExceeded or ErrBudgetExhausted), the
// context's error, an error wrapping ErrLedgerUnavailable, or one wrapping
// ErrInvalidConfig for a job whose cap is negative or below the call's
// estimate.
//
// Admit never waits past ctx's deadline: a wait that would end after it is
// not begun (a refusal under WaitForReset is returned as is, a pacing wait
// fails with an error wrapping context.DeadlineExceeded). Credits held for
// the call are given back whenever Admit fails.
func (g *Governor) Admit(ctx context.Context, call Call) (*Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	legacy := g.legacy.Load()
	est, base, rs := g.costs.estimate(call)
	if legacy {
		est = 1
	}
	prio, explicit := priorityOf(ctx)
	pi := prioIndex(prio)
	var js *jobState
	job, hasJob := JobFrom(ctx)
	if hasJob {
		if job.Cap < 0 {
			return nil, fmt.Errorf("credits: job %q has cap %d: a job cap cannot be negative: %w", job.Name, job.Cap, ErrInvalidConfig)
		}
		if job.Cap > 0 && job.Cap < est {
			return nil, fmt.Errorf("credits: job %q has cap %d, below the %d credits of one call to %s: %w", job.Name, job.Cap, est, rs.route, ErrInvalidConfig)
		}
		js = g.job(job.Name)
		js.lastCap.Store(job.Cap)
	}
	var waited time.Duration
	for {
		// 1. The job's cap.
		if js != nil {
			if avail, ok := js.reserve(est, job.Cap); !ok {
				js.refused.Add(1)
				return nil, g.refuse(&Refusal{Reason: ErrJobCapReached, Route: rs.route, Job: job.Name, Needed: est, Available: avail}, rs, pi)
			}
		}
		now := g.clock.Now()
		di := g.dayAt(now)
		// 2. The organisation's stop flag.
		if until := g.stoppedUntil(ctx, now, di); !until.IsZero() {
			js.end(est, 0)
			ref := &Refusal{Reason: ErrThresholdExceeded, Route: rs.route, Job: job.Name, Needed: est, Reset: until}
			if g.policy == WaitForReset {
				if d, ok := g.waitFor(ctx, rs, est, WaitStop, now, until); ok {
					waited += d
					continue
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			return nil, g.refuse(ref, rs, pi)
		}
		// 3-5. Daily cap, interactive reserve, org remaining: one atomic
		// reservation in the ledger, which counts the whole org's spend.
		limit := g.limitAt(prio, now, di)
		res, err := g.ledger.Reserve(ctx, ReserveRequest{Day: di.day, Reset: di.reset, Amount: est, Limit: limit, Allotment: g.allotmentNow(), Lease: g.lease})
		if err != nil {
			js.end(est, 0)
			g.ledgerErrors.Add(1)
			return nil, fmt.Errorf("credits: reserving %d credits for %s: %w: %w", est, rs.route, ErrLedgerUnavailable, err)
		}
		if !res.OK {
			js.end(est, 0)
			ref := &Refusal{Reason: ErrBudgetExhausted, Route: rs.route, Job: job.Name, Needed: est, Available: res.Available, Reset: di.reset}
			// Under WaitForReset, wait in steps of budgetRecheck for the
			// reset, unless the reset comes after ctx's deadline: then the
			// refusal is final at once.
			if g.policy == WaitForReset && !beyondDeadline(ctx, di.reset.Sub(now)) {
				until := di.reset
				if r := now.Add(budgetRecheck); r.Before(until) {
					until = r
				}
				if d, ok := g.waitFor(ctx, rs, est, WaitReset, now, until); ok {
					waited += d
					continue
				}
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			return nil, g.refuse(ref, rs, pi)
		}
		p := &Permit{g: g, route: rs, job: js, prio: prio, hold: res.Hold, estimate: est, base: base, legacy: legacy}
		if p.hold.Amount == 0 {
			p.hold = Hold{Day: di.day, Amount: est}
		}
		// 6. Pacing.
		// Even pacing spreads what the others are expected to leave (the
		// point forecast): the margin of the upper bound is left to the
		// Background limit, which binds only near the reset, when this
		// client's own unspent share no longer covers the others' spread.
		leftCap := g.limitAt(Interactive, now, di) - g.othersPt.Load() - limit + res.Available
		d, err := g.pace(ctx, rs, est, now, di, leftCap, legacy, explicit && prio == Interactive)
		waited += d
		if err != nil {
			p.giveBack()
			return nil, err
		}
		// 7. A concurrency slot.
		var slotStart time.Time
		w, err := g.slots.acquire(ctx, func() {
			slotStart = g.clock.Now()
			g.waits.Add(1)
			g.obs.OnWait(WaitEvent{Route: rs.route, Reason: WaitConcurrency, Estimate: est})
		})
		if w {
			sd := g.clock.Now().Sub(slotStart)
			waited += sd
			g.waitNanos.Add(int64(sd))
		}
		if err != nil {
			p.giveBack()
			return nil, err
		}
		g.prio[pi].admitted.Add(1)
		if js != nil {
			js.calls.Add(1)
		}
		g.obs.OnAdmit(AdmitEvent{Route: rs.route, Job: job.Name, Priority: prio, Day: p.hold.Day, Estimate: est, Waited: waited})
		return p, nil
	}
}

func (g *Governor) refuse(r *Refusal, rs *routeState, pi int) error {
	switch r.Reason {
	case ErrBudgetExhausted:
		g.refusedBudget.Add(1)
	case ErrJobCapReached:
		g.refusedJob.Add(1)
	case ErrThresholdExceeded:
		g.refusedStop.Add(1)
	}
	rs.refused.Add(1)
	g.prio[pi].refused.Add(1)
	g.obs.OnRefuse(r)
	return r
}

// waitFor sleeps on the clock until until, bounded by ctx; it does not start
// a wait that would end after ctx's deadline. ok is false when it did not
// wait to the end.
func (g *Governor) waitFor(ctx context.Context, rs *routeState, est int64, reason string, now, until time.Time) (time.Duration, bool) {
	d := until.Sub(now)
	if d <= 0 {
		return 0, true
	}
	if beyondDeadline(ctx, d) {
		return 0, false
	}
	g.waits.Add(1)
	g.obs.OnWait(WaitEvent{Route: rs.route, Reason: reason, Estimate: est, Delay: d})
	select {
	case <-g.clock.After(d):
		g.waitNanos.Add(int64(d))
		return d, true
	case <-ctx.Done():
		return 0, false
	}
}

// beyondDeadline reports whether a wait of d would end after ctx's deadline.
// A deadline is wall-clock time, so it is turned into a duration with the
// real clock, and the duration compared with the wait on the injected clock:
// exact with SystemClock, and meaningful with a fake one.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && d > time.Until(dl)
}

// pace waits for the call's turn under Even pacing and the legacy
// per-minute limit. The limiters' time is the injected clock's. With
// jumpEven (a call marked Interactive by WithPriority), the call takes its
// tokens from the Even limiter without waiting for them: it is not delayed,
// and the calls after it wait the longer.
func (g *Governor) pace(ctx context.Context, rs *routeState, est int64, now time.Time, di *dayInfo, leftCap int64, legacy, jumpEven bool) (time.Duration, error) {
	var rsvs [2]*rate.Reservation
	k := 0
	var delay time.Duration
	if g.even != nil {
		left := di.reset.Sub(now)
		if left < time.Second {
			left = time.Second
		}
		// What is left of the cap over what is left of the day: after idle
		// time the rate rises, so pacing catches up without a burst.
		g.even.SetLimitAt(now, rate.Limit(float64(max(leftCap, 1))/left.Seconds()))
		g.ensureBurst(now, est)
		r := g.even.ReserveN(now, int(est))
		if !jumpEven {
			rsvs[k], k = r, k+1
			delay = max(delay, r.DelayFrom(now))
		}
	}
	if legacy && g.perMinute != nil {
		r := g.perMinute.ReserveN(now, 1)
		rsvs[k], k = r, k+1
		delay = max(delay, r.DelayFrom(now))
	}
	if delay <= 0 {
		return 0, nil
	}
	cancel := func() {
		t := g.clock.Now()
		for _, r := range rsvs[:k] {
			r.CancelAt(t) // gives tokens back only for time not yet reached: fine here
		}
	}
	if beyondDeadline(ctx, delay) {
		cancel()
		return 0, fmt.Errorf("credits: %s must wait %v for pacing, past the context deadline: %w", rs.route, delay, context.DeadlineExceeded)
	}
	g.waits.Add(1)
	g.obs.OnWait(WaitEvent{Route: rs.route, Reason: WaitPacing, Estimate: est, Delay: delay})
	select {
	case <-g.clock.After(delay):
		g.waitNanos.Add(int64(delay))
		return delay, nil
	case <-ctx.Done():
		cancel()
		return 0, ctx.Err()
	}
}

// ensureBurst raises the Even limiter's burst to cover est, since ReserveN
// refuses n > burst. Raising the burst adds no tokens.
func (g *Governor) ensureBurst(now time.Time, est int64) {
	for {
		b := g.evenBurst.Load()
		if est <= b {
			return
		}
		if g.evenBurst.CompareAndSwap(b, est) {
			g.even.SetBurstAt(now, int(est))
			return
		}
	}
}

// Permit is one admitted attempt. Exactly one of Settle or Release should be
// called; the first call counts and later ones do nothing. A permit holds
// its estimate in the ledger and a concurrency slot until then.
type Permit struct {
	g        *Governor
	route    *routeState
	job      *jobState
	prio     Priority
	hold     Hold
	estimate int64
	base     int64
	legacy   bool
	done     atomic.Bool
}

// Estimate returns the credits the permit holds (requests in legacy mode).
func (p *Permit) Estimate() int64 { return p.estimate }

// Route returns the call's route, e.g. "GET /tickets/{id}".
func (p *Permit) Route() string { return p.route.route }

// Day returns the credit day the permit is charged to.
func (p *Permit) Day() Day { return p.hold.Day }

// giveBack undoes an admission that did not complete (no slot taken).
func (p *Permit) giveBack() {
	p.done.Store(true)
	g := p.g
	if err := g.ledger.Release(context.Background(), p.hold); err != nil {
		g.ledgerError(fmt.Errorf("credits: releasing %d credits: %w: %w", p.hold.Amount, ErrLedgerUnavailable, err))
	}
	p.job.end(p.estimate, 0)
}

// Release gives the permit's credits back: the call was not sent, or Desk
// did not charge it (a transport error before any response).
func (p *Permit) Release() {
	if p == nil || !p.done.CompareAndSwap(false, true) {
		return
	}
	g := p.g
	g.slots.release()
	if err := g.ledger.Release(context.Background(), p.hold); err != nil {
		g.ledgerError(fmt.Errorf("credits: releasing %d credits: %w: %w", p.hold.Amount, ErrLedgerUnavailable, err))
	}
	p.job.end(p.estimate, 0)
	p.route.released.Add(1)
	g.obs.OnSettle(SettleEvent{Route: p.route.route, Job: p.jobName(), Priority: p.prio, Estimate: p.estimate, Released: true})
}

func (p *Permit) jobName() string {
	if p.job == nil {
		return ""
	}
	return p.job.name
}

// Settle charges the permit with what the response said (see
// ParseObservation; the caller sets o.Code from the body's errorCode):
//
//   - With a weight header, the weight is charged and the cost model learns
//     it; without one, the estimate is charged.
//   - A remaining header is learnt by the ledger, for the permit's own day if
//     it is still the current one, else for the current day.
//   - THRESHOLD_EXCEEDED stops the organisation (in the ledger, for the whole
//     fleet) until now + Retry-After, or the next reset without one.
//   - TOO_MANY_REQUESTS halves the concurrency limit; a run of successes
//     raises it again by one. A 429 without a code is taken as
//     THRESHOLD_EXCEEDED when the remaining header says 0, else as
//     TOO_MANY_REQUESTS.
//   - In ModeAuto, the response counts toward the switch to legacy counting
//     as described at Config.LegacyAfter.
func (p *Permit) Settle(o Observation) {
	if p == nil || !p.done.CompareAndSwap(false, true) {
		return
	}
	g := p.g
	g.slots.release()
	now := g.clock.Now()
	ctx := context.Background()
	creditProblem := false
	for _, hp := range o.Problems {
		g.headerProblems.Add(1)
		if hp.Header == HeaderWeight || hp.Header == HeaderRemaining {
			creditProblem = true
		}
		g.obs.OnHeaderProblem(hp)
	}
	g.trackMode(o, o.HasCredits() || creditProblem)

	charged, metered := p.estimate, false
	if o.HasWeight && !p.legacy {
		charged, metered = o.Weight, true
		g.costs.learn(p.route, p.base, o.Weight)
	}
	s := Settlement{Hold: p.hold, Actual: charged, Allotment: g.allotment}
	observeToday := false
	var di *dayInfo
	if o.HasRemaining && !g.legacy.Load() {
		g.noteRemaining(o.Remaining, now, o.Date)
		di = g.dayAt(now)
		if di.day == p.hold.Day {
			s.Remaining, s.HasRemaining = o.Remaining, true
		} else {
			observeToday = true // the response speaks of today, not of the hold's day
		}
	}
	if err := g.ledger.Settle(ctx, s); err != nil {
		g.ledgerError(fmt.Errorf("credits: settling %d credits: %w: %w", charged, ErrLedgerUnavailable, err))
	}
	if observeToday {
		if err := g.ledger.Observe(ctx, di.day, o.Remaining, g.allotment); err != nil {
			g.ledgerError(fmt.Errorf("credits: observing remaining credits: %w: %w", ErrLedgerUnavailable, err))
		}
	}
	p.job.end(p.estimate, charged)
	rs := p.route
	rs.calls.Add(1)
	rs.charged.Add(charged)
	rs.estimated.Add(p.estimate)
	if metered {
		rs.metered.Add(1)
		rs.mEst.Add(p.estimate)
		rs.mActual.Add(charged)
	}
	g.prio[prioIndex(p.prio)].charged.Add(charged)

	code := o.Code
	if code == "" && o.Status == 429 {
		code = CodeTooManyRequests
		if o.HasRemaining && o.Remaining == 0 {
			code = CodeThresholdExceeded
		}
	}
	switch code {
	case CodeThresholdExceeded:
		until := now.Add(o.RetryAfter)
		if !o.HasRetryAfter || o.RetryAfter <= 0 {
			until = g.dayAt(now).reset
		}
		g.raiseStop(until)
		if err := g.ledger.Stop(ctx, until); err != nil {
			g.ledgerError(fmt.Errorf("credits: stopping the organisation: %w: %w", ErrLedgerUnavailable, err))
		}
		g.throttleStop.Add(1)
		limit, _, _, _ := g.slots.state()
		g.obs.OnThrottle(ThrottleEvent{Code: code, Status: o.Status, ConcurrencyLimit: limit, StoppedUntil: time.Unix(0, g.stopUntil.Load())})
	case CodeTooManyRequests:
		limit := g.slots.decrease()
		g.throttleConc.Add(1)
		g.obs.OnThrottle(ThrottleEvent{Code: code, Status: o.Status, ConcurrencyLimit: limit})
	default:
		if o.Status >= 200 && o.Status < 300 {
			g.slots.success()
		}
	}
	g.obs.OnSettle(SettleEvent{Route: rs.route, Job: p.jobName(), Priority: p.prio, Estimate: p.estimate, Charged: charged,
		HasWeight: o.HasWeight, Remaining: o.Remaining, HasRemaining: o.HasRemaining, Status: o.Status, Code: o.Code})
}

// trackMode applies ModeAuto's switching rule (see Config.LegacyAfter).
func (g *Governor) trackMode(o Observation, credit bool) {
	if g.mode != ModeAuto {
		return
	}
	if credit {
		g.noCreditRun.Store(0)
		if g.legacy.Load() && g.legacy.CompareAndSwap(true, false) {
			g.modeChanges.Add(1)
			g.obs.OnModeChange(ModeChangeEvent{From: ModeLegacy, To: ModeCredits, Reason: "a response carried credit headers"})
		}
		return
	}
	if o.Status < 200 || o.Status >= 300 {
		return // errors (a 401 above all) may omit the headers on any org
	}
	if n := g.noCreditRun.Add(1); n >= g.legAfter && !g.legacy.Load() && g.legacy.CompareAndSwap(false, true) {
		g.modeChanges.Add(1)
		g.obs.OnModeChange(ModeChangeEvent{From: ModeCredits, To: ModeLegacy,
			Reason: fmt.Sprintf("%d successful responses in a row carried no credit headers", n)})
	}
}

// noteRemaining watches Desk's remaining credits for a jump up, the sign of
// a reset Desk made, and realigns the credit day to it.
//
// Responses overtake each other in flight: one computed before another
// integration's burst can arrive after one computed after it, and show more
// credits left. So each remaining is placed at the server's second, from
// the response's Date header (date; without one, the local second of
// arrival), and compared only with the lowest remaining of the latest
// earlier second seen:
//
//   - a later second than any seen: a rise of more than 1% of the allotment
//     (at least 10 credits) over that second's lowest is a reset in between;
//   - the same second: the lower remaining is kept, and nothing is compared,
//     since a reset does not happen within a second;
//   - an earlier second: the response is late and ignored.
//
// Desk only lowers the remaining credits within a day, so no pair of
// responses ordered by their server seconds shows a rise unless a day
// started between them.
func (g *Governor) noteRemaining(rem int64, now, date time.Time) {
	at := date
	if at.IsZero() {
		at = now
	}
	sec := at.Unix() - g.obsEpoch
	if sec <= 0 || sec >= 1<<32 {
		return // a date too far from our clock to be believed
	}
	r := uint64(min(max(rem, 0), math.MaxUint32))
	next := uint64(sec)<<32 | r
	for {
		old := g.lastObs.Load()
		oldSec, oldRem := int64(old>>32), int64(old&math.MaxUint32)
		if old != 0 && (sec < oldSec || sec == oldSec && int64(r) >= oldRem) {
			return
		}
		if !g.lastObs.CompareAndSwap(old, next) {
			continue
		}
		if old == 0 || sec == oldSec || int64(r) <= oldRem+max(g.allotment/100, 10) {
			return
		}
		prevAt := time.Unix(oldSec+g.obsEpoch, 0)
		before := g.window.Day(prevAt)
		if g.window.Realign(prevAt, now) {
			g.cur.Store(nil)
			nd := g.dayAt(now)
			g.obs.OnReset(ResetEvent{Previous: before, Day: nd.day, At: now, ServerMade: true, Shift: g.window.Shift()})
		}
		return
	}
}

// Close releases nothing and exists so that a Governor can be used where a
// closer is expected; the Governor starts no goroutine.
func (g *Governor) Close() error { return nil }

// jobsSorted returns the jobs sorted by name.
func (g *Governor) jobsSorted() []*jobState {
	cur := *g.jobs.Load()
	out := make([]*jobState, 0, len(cur))
	for _, js := range cur {
		out = append(out, js)
	}
	slices.SortFunc(out, func(a, b *jobState) int { return strings.Compare(a.name, b.name) })
	return out
}
