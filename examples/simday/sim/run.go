package sim

import (
	"context"
	"errors"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
	"github.com/go-zohodesk/zohodesk/internal/clock"
)

// simDay is the calendar day simulated (a Monday); the credit day is UTC.
var simDay = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// serverOverrides are where the server's prices differ from the client's
// default estimates: list pages cost more than the table's 3, thread lists
// less, and updates twice a read.
var serverOverrides = map[string]int64{
	"GET /tickets":              5,
	"GET /tickets/{id}/threads": 2,
	"PATCH /tickets/{id}":       2,
}

// serverPrices returns serverOverrides with cfg.ServerCosts on top.
func (cfg Config) serverPrices() map[string]int64 {
	prices := maps.Clone(serverOverrides)
	maps.Copy(prices, cfg.ServerCosts)
	return prices
}

// Timing of the plain work loops.
const (
	// refusedWait is how long the export pauses after a refusal that names
	// no instant to wait for.
	refusedWait = time.Minute
	// errorWait is how long the export pauses after any other error.
	errorWait = 5 * time.Second
)

// errSkipped marks interactive calls not made because an earlier call of
// their session failed.
var errSkipped = errors.New("sim: not made: an earlier call of the session failed")

// run is one day in progress.
type run struct {
	cfg   Config
	clock credits.Clock
	api   api
	sched schedule
	reset time.Time

	interactiveCalls, interactiveRefused, interactiveCut atomic.Int64
	latMu                                                sync.Mutex
	latencies                                            []time.Duration
	failures                                             []InteractiveFailure

	externalSpent atomic.Int64
	gov           *credits.Governor // nil for the plain strategies
	usage         *credits.Usage    // the governor's report just before the reset
}

func runDay(ctx context.Context, cfg Config) (Result, error) {
	realStart := time.Now()
	start := simDay.Add(cfg.Start)
	reset := simDay.Add(24 * time.Hour)
	allotment := cfg.Plan.Daily()

	clk := clock.NewScaled(start, cfg.Scale)
	srv := desktest.NewServer(desktest.Options{
		Plan: cfg.Plan, Seed: cfg.Seed, Clock: clk, Tickets: cfg.Tickets,
		Cost: desktest.CostTable(credits.DefaultCostTable(), cfg.serverPrices()), MaxRecorded: -1,
	})
	defer srv.Close()
	m := &meter{next: srv}
	ts := httptest.NewServer(m)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	ct := &clientTransport{next: tr, clock: clk}
	// No Timeout: it would be real time, while every wait here is virtual
	// (a pacing wait of a virtual minute would pass a real minute's
	// deadline). The end of the day bounds every call instead.
	hc := &http.Client{Transport: ct}
	base := ts.URL + desktest.APIPrefix

	r := &run{cfg: cfg, clock: clk, reset: reset, sched: newSchedule(cfg, start, reset, allotment)}
	switch cfg.Strategy {
	case Naive, HeaderMirror:
		p := &plainAPI{hc: hc, base: base, org: srv.OrgID(), token: srv.AccessToken(), clock: clk, reset: reset}
		if cfg.Strategy == HeaderMirror {
			p.mirror = newMirrorLimiter(clk)
		}
		r.api = p
	case SDKEven, SDKAsap:
		dc := srv.ClientConfig()
		dc.BaseURL = base
		dc.HTTPClient = hc
		pacing := credits.Asap
		if cfg.Strategy == SDKEven {
			pacing = credits.Even
		}
		// Cap 1: the whole allotment, less what the other integrations
		// spend, which the governor learns from the remaining header and
		// forecasts for the rest of the day; the interactive reserve is
		// prorated over the day, so background work gets what interactive
		// work will not need.
		dc.Budget = credits.Budget{Cap: 1, InteractiveReserve: cfg.InteractiveReserve, Pacing: pacing, OnExhausted: credits.Fail,
			ForecastOthers: true, ProrateReserve: true}
		c, err := desk.NewClient(dc)
		if err != nil {
			return Result{}, err
		}
		r.api = sdkAPI{c: c}
		r.gov = c.Governor()
	}

	dayCtx, endDay := context.WithCancel(ctx)
	defer endDay()
	var wg sync.WaitGroup
	wg.Go(func() {
		// The day ends at the reset: every wait below ends with it. The
		// governor's report is taken a virtual minute before, while it
		// still speaks of this day (a virtual second is half a real
		// millisecond, less than a timer's slack on a busy machine).
		if sleep(dayCtx, clk, reset.Add(-time.Minute).Sub(clk.Now())) && r.gov != nil {
			u := r.gov.Usage()
			r.usage = &u
		}
		sleep(dayCtx, clk, reset.Sub(clk.Now()))
		endDay()
	})
	wg.Go(func() { r.externals(dayCtx, srv) })
	wg.Go(func() { r.interactive(dayCtx) })
	r.export(dayCtx, &wg)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	return r.result(m, ct, allotment, start, time.Since(realStart)), nil
}

// externals spends the other integrations' calls at their instants.
func (r *run) externals(ctx context.Context, srv *desktest.Server) {
	for _, b := range r.sched.externals {
		if !sleep(ctx, r.clock, b.at.Sub(r.clock.Now())) {
			return
		}
		if !r.clock.Now().Before(r.reset) {
			return // a late timer: the call would fall in the next day
		}
		r.externalSpent.Add(srv.SpendExternalUpTo(b.credits))
	}
}

// export runs the background export: one goroutine pages through the
// tickets (over and over: the export wants more than the day has) and
// ExportWorkers read each ticket and its threads.
func (r *run) export(ctx context.Context, wg *sync.WaitGroup) {
	ctx = credits.WithJob(credits.WithPriority(ctx, credits.Background), credits.Job{Name: "export"})
	ids := make(chan string, r.cfg.ExportWorkers)
	wg.Go(func() {
		defer close(ids)
		from := 0
		for ctx.Err() == nil {
			page, err := r.api.listTickets(ctx, from, 100)
			if err != nil {
				r.pause(ctx, err)
				continue
			}
			if len(page) == 0 {
				from = 0 // start the next pass
				continue
			}
			for _, id := range page {
				select {
				case ids <- id:
				case <-ctx.Done():
					return
				}
			}
			from += len(page)
		}
	})
	for range r.cfg.ExportWorkers {
		wg.Go(func() {
			for id := range ids {
				for _, call := range []func(context.Context, string) error{r.api.getTicket, r.api.listThreads} {
					for ctx.Err() == nil {
						err := call(ctx, id)
						if err == nil {
							break
						}
						r.pause(ctx, err)
					}
				}
			}
		})
	}
}

// pause is the export's answer to a failed call: wait for the instant a
// refusal names (the end of a stop), a minute after a refusal that names
// none (the budget is spent for now), a few seconds after anything else.
func (r *run) pause(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	d := errorWait
	var ref *credits.Refusal
	if errors.As(err, &ref) {
		d = refusedWait
		if errors.Is(err, credits.ErrThresholdExceeded) && !ref.Reset.IsZero() {
			d = ref.Reset.Sub(r.clock.Now())
		}
	}
	sleep(ctx, r.clock, d)
}

// interactive starts each session at its instant; sessions overlap freely.
func (r *run) interactive(ctx context.Context) {
	ctx = credits.WithPriority(ctx, credits.Interactive)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, s := range r.sched.sessions {
		r.interactiveCalls.Add(int64(s.calls()))
		if !sleep(ctx, r.clock, s.at.Sub(r.clock.Now())) {
			r.cut(s.calls(), "session", nil) // never started: the day ended
			continue
		}
		wg.Go(func() { r.session(ctx, s) })
	}
}

// fail records an interactive call that failed: a refusal when the day was
// still on when it failed, a cut when the reset ended it (a wait, or a call
// in flight, that the end of the simulated day cancelled).
func (r *run) fail(ctx context.Context, call string, began time.Time, err error) {
	f := InteractiveFailure{Began: began, At: r.clock.Now(), Call: call, Calls: 1, Err: err}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		f.Cut = true
		r.interactiveCut.Add(1)
	} else {
		r.interactiveRefused.Add(1)
	}
	r.note(f)
}

// cut records n interactive calls that did not happen because the
// simulated day ended first; they are not refusals.
func (r *run) cut(n int, call string, err error) {
	r.interactiveCut.Add(int64(n))
	now := r.clock.Now()
	r.note(InteractiveFailure{Began: now, At: now, Call: call, Calls: n, Err: err, Cut: true})
}

func (r *run) note(f InteractiveFailure) {
	r.latMu.Lock()
	r.failures = append(r.failures, f)
	r.latMu.Unlock()
}

var priorities = []string{"High", "Medium", "Low"}

// session runs one burst of interactive work; a call that fails counts as
// refused, and so does the rest of the session when its list fails (as
// cut, when the day ended first).
func (r *run) session(ctx context.Context, s session) {
	timed := func(call string, f func() error) bool {
		t0 := r.clock.Now()
		if err := f(); err != nil {
			r.fail(ctx, call, t0, err)
			return false
		}
		r.latMu.Lock()
		r.latencies = append(r.latencies, r.clock.Now().Sub(t0))
		r.latMu.Unlock()
		return true
	}
	// skip accounts for calls a failure made impossible.
	skip := func(n int, call string) {
		if ctx.Err() != nil {
			r.cut(n, call, ctx.Err())
			return
		}
		r.interactiveRefused.Add(int64(n))
		now := r.clock.Now()
		r.note(InteractiveFailure{Began: now, At: now, Call: call, Calls: n, Err: errSkipped})
	}
	var page []string
	if !timed("list", func() (err error) { page, err = r.api.listTickets(ctx, s.from, sessionListLimit); return err }) {
		skip(s.calls()-1, "rest of session")
		return
	}
	for i, o := range s.opens {
		calls := 1
		if o.update {
			calls++
		}
		if len(page) == 0 {
			skip(calls, "open (empty page)")
			continue
		}
		if !sleep(ctx, r.clock, o.think) {
			r.cut(calls, "open", ctx.Err())
			continue
		}
		id := page[o.index%len(page)]
		if !timed("get", func() error { return r.api.getTicket(ctx, id) }) {
			if o.update {
				skip(1, "update")
			}
			continue
		}
		if o.update {
			timed("update", func() error { return r.api.updateTicket(ctx, id, priorities[i%len(priorities)]) })
		}
	}
}

// result computes the day's figures from the server-side meter.
func (r *run) result(m *meter, ct *clientTransport, allotment int64, start time.Time, real time.Duration) Result {
	res := Result{
		Strategy: r.cfg.Strategy, Seed: r.cfg.Seed, Allotment: allotment,
		ExternalWanted: r.sched.wanted, ExternalSpent: r.externalSpent.Load(),
		ExternalCalls: len(r.sched.externals), ExternalRuns: r.sched.runs,
		ThresholdExceeded: m.threshold.Load(), TooManyRequests: m.tooMany.Load(),
		InteractiveCalls: r.interactiveCalls.Load(), InteractiveRefused: r.interactiveRefused.Load(), InteractiveCut: r.interactiveCut.Load(),
		Requests: m.requests.Load(), MeanLatency: ct.meanLatency(),
		Start: start, Reset: r.reset, Real: real,
	}
	res.Usage = r.usage
	r.latMu.Lock()
	res.InteractiveFailures = slices.Clone(r.failures)
	r.latMu.Unlock()
	slices.SortStableFunc(res.InteractiveFailures, func(a, b InteractiveFailure) int { return a.At.Compare(b.At) })
	m.mu.Lock()
	res.DryAt = m.dryAt
	m.mu.Unlock()
	charges := m.chargesBefore(r.reset)
	for _, c := range charges {
		res.Spent += c.credits
		if c.interactive {
			res.Interactive += c.credits
		} else {
			res.Background += c.credits
		}
	}
	res.LeftToUs = allotment - res.ExternalSpent
	if res.LeftToUs > 0 {
		res.Utilization = float64(res.Spent) / float64(res.LeftToUs)
	}
	res.Overshoot = max(res.Spent+res.ExternalWanted-allotment, 0)
	res.PacingError = pacingError(charges, start, r.reset, res.LeftToUs)
	slices.Sort(r.latencies)
	if n := len(r.latencies); n > 0 {
		res.InteractiveP95 = r.latencies[min(n-1, int(math.Ceil(0.95*float64(n)))-1)]
		res.InteractiveMax = r.latencies[n-1]
	}
	return res
}

// pacingError is the largest gap between the cumulative spend and the
// straight line from (start, 0) to (reset, budget), over budget. The spend
// is a step function, so the gap is largest just before or just after a
// step, or at the ends.
func pacingError(charges []charge, start, reset time.Time, budget int64) float64 {
	if budget <= 0 {
		return 0
	}
	span := float64(reset.Sub(start))
	line := func(t time.Time) float64 {
		f := min(max(float64(t.Sub(start))/span, 0), 1)
		return f * float64(budget)
	}
	worst, cum := 0.0, 0.0
	for _, c := range charges {
		l := line(c.at)
		worst = max(worst, math.Abs(cum-l))
		cum += float64(c.credits)
		worst = max(worst, math.Abs(cum-l))
	}
	worst = max(worst, math.Abs(cum-float64(budget)))
	return worst / float64(budget)
}
