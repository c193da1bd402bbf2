package credits_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/internal/clock"
)

var t0 = time.Date(2025, 10, 6, 0, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newGov(t testing.TB, cfg credits.Config) (*credits.Governor, *clock.Fake) {
	t.Helper()
	fc := clock.New(t0)
	if cfg.Clock == nil {
		cfg.Clock = fc
	}
	if cfg.Plan.Edition == 0 {
		cfg.Plan = credits.Plan{Edition: credits.Enterprise}
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	g, err := credits.NewGovernor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, fc
}

var (
	getOne  = credits.Call{Method: "GET", Path: "/tickets/1"} // 1 credit
	getList = credits.Call{Method: "GET", Path: "/tickets"}   // 3 credits
	ok200   = func(w int64) credits.Observation { return credits.Observation{Status: 200, Weight: w, HasWeight: true} }
)

func TestNewGovernorConfigErrors(t *testing.T) {
	ent := credits.Plan{Edition: credits.Enterprise} // 100,000 credits
	tests := []struct {
		name string
		cfg  credits.Config
	}{
		{"no plan", credits.Config{}},
		{"negative agents", credits.Config{Plan: credits.Plan{Edition: credits.Free, Agents: -2}}},
		{"negative cap", credits.Config{Plan: ent, Budget: credits.Budget{Cap: -0.5}}},
		{"NaN cap", credits.Config{Plan: ent, Budget: credits.Budget{Cap: math.NaN()}}},
		{"infinite cap", credits.Config{Plan: ent, Budget: credits.Budget{Cap: math.Inf(1)}}},
		{"cap above allotment", credits.Config{Plan: ent, Budget: credits.Budget{Cap: 100_001}}},
		{"cap rounds to zero", credits.Config{Plan: credits.Plan{Edition: credits.Free}, Budget: credits.Budget{Cap: 0.0000001}}},
		{"negative reserve", credits.Config{Plan: ent, Budget: credits.Budget{InteractiveReserve: -0.1}}},
		{"reserve of 1", credits.Config{Plan: ent, Budget: credits.Budget{InteractiveReserve: 1}}},
		{"NaN reserve", credits.Config{Plan: ent, Budget: credits.Budget{InteractiveReserve: math.NaN()}}},
		{"unknown pacing", credits.Config{Plan: ent, Budget: credits.Budget{Pacing: 9}}},
		{"unknown policy", credits.Config{Plan: ent, Budget: credits.Budget{OnExhausted: 9}}},
		{"unknown mode", credits.Config{Plan: ent, Mode: 9}},
		{"negative legacy", credits.Config{Plan: ent, Legacy: credits.LegacyLimits{PerMinute: -1}}},
		{"negative allotment", credits.Config{Plan: ent, Allotment: -1}},
		{"negative concurrency", credits.Config{Plan: ent, ConcurrencyOverride: -1}},
		{"bad cost override", credits.Config{Plan: ent, Costs: credits.CostOptions{Overrides: map[string]int64{"GET /x": -1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = quiet()
			if _, err := credits.NewGovernor(tt.cfg); !errors.Is(err, credits.ErrInvalidConfig) {
				t.Errorf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
	good := []credits.Budget{{}, {Cap: 1}, {Cap: 0.5, InteractiveReserve: 0.2, Pacing: credits.Even, OnExhausted: credits.WaitForReset}, {Cap: 100_000}, {Cap: 2}}
	for _, b := range good {
		if _, err := credits.NewGovernor(credits.Config{Plan: ent, Budget: b, Logger: quiet()}); err != nil {
			t.Errorf("%+v: %v", b, err)
		}
	}
	g, _ := newGov(t, credits.Config{Budget: credits.Budget{Cap: 0.5, InteractiveReserve: 0.1}})
	if g.Limit(credits.Interactive) != 50_000 || g.Limit(credits.Background) != 45_000 {
		t.Errorf("limits %d/%d", g.Limit(credits.Interactive), g.Limit(credits.Background))
	}
}

func TestJobCap(t *testing.T) {
	g, _ := newGov(t, credits.Config{})
	ctx := credits.WithJob(context.Background(), credits.Job{Name: "export", Cap: 10})
	for i := range 3 {
		p, err := g.Admit(ctx, getList)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		p.Settle(ok200(3))
	}
	_, err := g.Admit(ctx, getList)
	var r *credits.Refusal
	if !errors.Is(err, credits.ErrJobCapReached) || !errors.As(err, &r) || r.Needed != 3 || r.Available != 1 || r.Job != "export" {
		t.Fatalf("err = %v (%+v)", err, r)
	}
	// Another job is not affected; a cap below one call is a config error.
	if _, err := g.Admit(credits.WithJob(context.Background(), credits.Job{Name: "tiny", Cap: 2}), getList); !errors.Is(err, credits.ErrInvalidConfig) {
		t.Errorf("tiny cap err = %v", err)
	}
	if _, err := g.Admit(credits.WithJob(context.Background(), credits.Job{Name: "neg", Cap: -1}), getList); !errors.Is(err, credits.ErrInvalidConfig) {
		t.Errorf("negative cap err = %v", err)
	}
	u := g.Usage()
	if len(u.Jobs) != 1 || u.Jobs[0].Spent != 9 || u.Jobs[0].Refused != 1 || u.Refusals.JobCap != 1 {
		t.Errorf("jobs %+v refusals %+v", u.Jobs, u.Refusals)
	}
}

// TestCheckOrder proves the order of the checks: job cap, then stop flag, then budget.
func TestCheckOrder(t *testing.T) {
	g, _ := newGov(t, credits.Config{Budget: credits.Budget{Cap: 3}})
	p, _ := g.Admit(context.Background(), getList)
	p.Settle(credits.Observation{Status: 429, Code: credits.CodeThresholdExceeded, Weight: 3, HasWeight: true, RetryAfter: time.Minute, HasRetryAfter: true})
	// Budget spent and org stopped: the job cap is checked first.
	jobCtx := credits.WithJob(context.Background(), credits.Job{Name: "j", Cap: 3})
	g2ctx := credits.WithJob(context.Background(), credits.Job{Name: "full", Cap: 3})
	_ = jobCtx
	// Fill job "full" on a fresh governor is not possible here; instead use a
	// job whose cap is already reached on this governor.
	if _, err := g.Admit(g2ctx, getOne); !errors.Is(err, credits.ErrThresholdExceeded) {
		t.Fatalf("stop before budget: err = %v", err)
	}
	var r *credits.Refusal
	_, err := g.Admit(context.Background(), getOne)
	if !errors.As(err, &r) || !r.Reset.Equal(t0.Add(time.Minute)) {
		t.Fatalf("stop refusal %v", err)
	}
	g3, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 3}})
	ctxJ := credits.WithJob(context.Background(), credits.Job{Name: "j", Cap: 3})
	p, _ = g3.Admit(ctxJ, getList)
	p.Settle(credits.Observation{Status: 429, Code: credits.CodeThresholdExceeded, Weight: 3, HasWeight: true})
	if _, err := g3.Admit(ctxJ, getOne); !errors.Is(err, credits.ErrJobCapReached) {
		t.Errorf("job cap first: err = %v", err)
	}
	// No Retry-After: stopped until the reset.
	_, err = g3.Admit(context.Background(), getOne)
	if !errors.As(err, &r) || r.Reason != credits.ErrThresholdExceeded || !r.Reset.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("stop without Retry-After: %v", err)
	}
	fc.Advance(24 * time.Hour)
	if p, err := g3.Admit(context.Background(), getOne); err != nil {
		t.Errorf("after reset: %v", err)
	} else {
		p.Release()
	}
	// Budget refusal carries the numbers.
	g4, _ := newGov(t, credits.Config{Budget: credits.Budget{Cap: 4}})
	p, _ = g4.Admit(context.Background(), getList)
	_, err = g4.Admit(context.Background(), getList)
	if !errors.As(err, &r) || r.Reason != credits.ErrBudgetExhausted || r.Needed != 3 || r.Available != 1 || !r.Reset.Equal(t0.Add(24*time.Hour)) || r.Route != "GET /tickets" {
		t.Errorf("budget refusal: %v", err)
	}
	if !strings.Contains(err.Error(), "needs 3 credits, 1 available") {
		t.Errorf("message %q", err)
	}
	p.Release()
}

// TestInvariantsUnderLoad drives many goroutines of both priorities against
// a small cap with exact estimates, random releases and random waits.
func TestInvariantsUnderLoad(t *testing.T) {
	for seed := range uint64(5) {
		g, _ := newGov(t, credits.Config{Budget: credits.Budget{Cap: 3_000, InteractiveReserve: 0.2}, ConcurrencyOverride: 64})
		const capC, bgLimit = 3_000, 2_400
		var bgCharged, outstanding, peak atomic.Int64
		var interactiveRefusedEarly atomic.Int64
		var wg sync.WaitGroup
		calls := []credits.Call{getOne, getList, {Method: "POST", Path: "/tickets/moveToTrash", Records: 2}}
		for w := range 32 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(seed, uint64(w)))
				ctx := context.Background()
				bg := w%2 == 0
				if bg {
					ctx = credits.WithPriority(ctx, credits.Background)
				}
				for range 400 {
					c := calls[rng.IntN(len(calls))]
					p, err := g.Admit(ctx, c)
					if err != nil {
						if !errors.Is(err, credits.ErrBudgetExhausted) {
							t.Error(err)
							return
						}
						if !bg && g.Usage().Spent+g.Usage().Held < bgLimit {
							interactiveRefusedEarly.Add(1)
						}
						continue
					}
					n := outstanding.Add(p.Estimate())
					for {
						pk := peak.Load()
						if n <= pk || peak.CompareAndSwap(pk, n) {
							break
						}
					}
					if rng.IntN(4) == 0 {
						outstanding.Add(-p.Estimate())
						p.Release()
						continue
					}
					if bg {
						bgCharged.Add(p.Estimate())
					}
					p.Settle(ok200(p.Estimate()))
				}
			})
		}
		wg.Wait()
		u := g.Usage()
		if u.Spent > capC || peak.Load() > capC {
			t.Errorf("seed %d: spent %d, peak admitted %d, cap %d", seed, u.Spent, peak.Load(), capC)
		}
		if u.Held != 0 || u.InFlight != 0 {
			t.Errorf("seed %d: leaked held %d in flight %d", seed, u.Held, u.InFlight)
		}
		if bgCharged.Load() > bgLimit {
			t.Errorf("seed %d: background spent %d of the interactive reserve", seed, bgCharged.Load()-bgLimit)
		}
		if interactiveRefusedEarly.Load() > 0 {
			t.Errorf("seed %d: interactive refused %d times while the reserve held", seed, interactiveRefusedEarly.Load())
		}
		if u.Spent < capC-10 {
			t.Errorf("seed %d: spent only %d of %d", seed, u.Spent, capC)
		}
	}
}

func TestInteractiveReserveSequential(t *testing.T) {
	g, _ := newGov(t, credits.Config{Budget: credits.Budget{Cap: 100, InteractiveReserve: 0.3}})
	bg := credits.WithPriority(context.Background(), credits.Background)
	spent := 0
	for {
		p, err := g.Admit(bg, getOne)
		if err != nil {
			if !errors.Is(err, credits.ErrBudgetExhausted) {
				t.Fatal(err)
			}
			break
		}
		p.Settle(ok200(1))
		spent++
	}
	if spent != 70 {
		t.Fatalf("background spent %d, want 70", spent)
	}
	for i := range 30 {
		p, err := g.Admit(context.Background(), getOne)
		if err != nil {
			t.Fatalf("interactive call %d refused while the reserve held: %v", i, err)
		}
		p.Settle(ok200(1))
	}
	if _, err := g.Admit(context.Background(), getOne); !errors.Is(err, credits.ErrBudgetExhausted) {
		t.Errorf("past the cap: %v", err)
	}
}

func TestNothingLeaksAcrossTheDay(t *testing.T) {
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 10}})
	fc.Set(t0.Add(24*time.Hour - time.Second))
	p1, _ := g.Admit(context.Background(), getList)
	p2, _ := g.Admit(context.Background(), getList)
	day1 := p1.Day()
	fc.Advance(2 * time.Second)
	// The late response reports today's remaining; the charge stays on day 1.
	o := ok200(3)
	o.Remaining, o.HasRemaining = 99_990, true
	p1.Settle(o)
	p2.Release()
	u := g.Usage()
	if u.Day == day1 || u.Spent != 0 || u.Held != 0 || u.OrgSpent != 10 {
		t.Errorf("day 2 usage: %+v", u)
	}
	// The org remaining of day 2 is learnt: 100,000 - 99,990 = 10 spent by others.
	if _, err := g.Admit(context.Background(), getOne); !errors.Is(err, credits.ErrBudgetExhausted) {
		t.Errorf("day 2 admits past the org's spend: %v", err)
	}
}

func TestCancelledWaitsReturnCredits(t *testing.T) {
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 1_000, Pacing: credits.Even}, ConcurrencyOverride: 1})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := g.Admit(ctx, getList) // waits for pacing: the limiter starts empty
		errc <- err
	}()
	fc.BlockUntil(1)
	if u := g.Usage(); u.Held != 3 {
		t.Errorf("held while waiting = %d", u.Held)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if u := g.Usage(); u.Held != 0 || u.Spent != 0 {
		t.Errorf("after cancel: %+v", u)
	}
	// A wait past the deadline is not begun.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer dcancel()
	if _, err := g.Admit(dctx, getList); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline err = %v", err)
	}
	if u := g.Usage(); u.Held != 0 {
		t.Errorf("after deadline: %+v", u)
	}
}

func TestConcurrencySlots(t *testing.T) {
	g, _ := newGov(t, credits.Config{ConcurrencyOverride: 2})
	p1, _ := g.Admit(context.Background(), getOne)
	p2, _ := g.Admit(context.Background(), getOne)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.Admit(ctx, getOne); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third call: %v", err)
	}
	if u := g.Usage(); u.Held != 2 || u.InFlight != 2 {
		t.Errorf("held %d in flight %d", u.Held, u.InFlight)
	}
	done := make(chan *credits.Permit)
	go func() {
		p, err := g.Admit(context.Background(), getOne)
		if err != nil {
			t.Error(err)
		}
		done <- p
	}()
	time.Sleep(5 * time.Millisecond)
	p1.Settle(ok200(1))
	p3 := <-done
	p2.Release()
	p3.Release()
	p3.Release() // idempotent
	if u := g.Usage(); u.Held != 0 || u.InFlight != 0 || u.Spent != 1 {
		t.Errorf("final %+v", u)
	}
}

func TestTooManyRequestsAIMD(t *testing.T) {
	var throttles []credits.ThrottleEvent
	g, _ := newGov(t, credits.Config{Plan: credits.Plan{Edition: credits.Professional}, Observer: credits.Observer{
		OnThrottle: func(e credits.ThrottleEvent) { throttles = append(throttles, e) },
	}})
	settle := func(o credits.Observation) {
		p, err := g.Admit(context.Background(), getOne)
		if err != nil {
			t.Fatal(err)
		}
		p.Settle(o)
	}
	settle(credits.Observation{Status: 429, Code: credits.CodeTooManyRequests})
	if u := g.Usage(); u.ConcurrencyLimit != 7 || u.ConcurrencyMax != 15 || u.Throttles.Concurrency != 1 {
		t.Fatalf("after one 429: %d/%d", u.ConcurrencyLimit, u.ConcurrencyMax)
	}
	settle(credits.Observation{Status: 429}) // no code, no remaining: concurrency
	if u := g.Usage(); u.ConcurrencyLimit != 3 {
		t.Fatalf("after two 429s: %d", u.ConcurrencyLimit)
	}
	for range 3 {
		settle(ok200(1))
	}
	if u := g.Usage(); u.ConcurrencyLimit != 4 {
		t.Errorf("after a run of successes: %d", u.ConcurrencyLimit)
	}
	if len(throttles) != 2 || throttles[1].ConcurrencyLimit != 3 {
		t.Errorf("throttle events %+v", throttles)
	}
	// A 401 does not count as a success.
	settle(credits.Observation{Status: 401})
	if u := g.Usage(); u.ConcurrencyLimit != 4 {
		t.Errorf("after 401: %d", u.ConcurrencyLimit)
	}
}

func TestLegacyMode(t *testing.T) {
	var changes []credits.ModeChangeEvent
	g, fc := newGov(t, credits.Config{LegacyAfter: 3, Legacy: credits.LegacyLimits{PerDay: 5, PerMinute: 60},
		Observer: credits.Observer{OnModeChange: func(e credits.ModeChangeEvent) { changes = append(changes, e) }}})
	settle := func(o credits.Observation) {
		t.Helper()
		p, err := g.Admit(context.Background(), getList)
		if err != nil {
			t.Fatal(err)
		}
		p.Settle(o)
	}
	// 401s and 5xx without headers do not flip the mode, nor break the run.
	settle(credits.Observation{Status: 200})
	settle(credits.Observation{Status: 401})
	settle(credits.Observation{Status: 503})
	settle(credits.Observation{Status: 200})
	if g.Usage().Mode != "credits" {
		t.Fatal("switched before the run was complete")
	}
	settle(credits.Observation{Status: 200})
	u := g.Usage()
	if u.Mode != "legacy" || g.Estimate(getList) != 1 || u.Cap != 5 || len(changes) != 1 {
		t.Fatalf("after 3 successes without headers: mode %s estimate %d cap %d changes %v", u.Mode, g.Estimate(getList), u.Cap, changes)
	}
	// Legacy counting: the day's requests are capped at PerDay (the credits
	// charged before the switch count as requests: conservative).
	n := 0
	for {
		fc.Advance(time.Second)
		p, err := g.Admit(context.Background(), getList)
		if err != nil {
			if !errors.Is(err, credits.ErrBudgetExhausted) {
				t.Fatal(err)
			}
			break
		}
		p.Settle(credits.Observation{Status: 200})
		n++
	}
	if n > 5 {
		t.Errorf("legacy admitted %d requests past PerDay", n)
	}
	// A credit header switches back.
	fc.Advance(24 * time.Hour)
	settle(ok200(3))
	if g.Usage().Mode != "credits" || len(changes) != 2 {
		t.Errorf("did not switch back: %v", changes)
	}
	// Forced modes never switch.
	gc, _ := newGov(t, credits.Config{Mode: credits.ModeCredits, LegacyAfter: 1})
	p, _ := gc.Admit(context.Background(), getList)
	p.Settle(credits.Observation{Status: 200})
	if gc.Usage().Mode != "credits" {
		t.Error("ModeCredits switched")
	}
	gl, _ := newGov(t, credits.Config{Mode: credits.ModeLegacy})
	p, _ = gl.Admit(context.Background(), getList)
	p.Settle(ok200(3))
	if gl.Usage().Mode != "legacy" || gl.Estimate(getList) != 1 {
		t.Error("ModeLegacy switched")
	}
}

func TestLegacyPerMinute(t *testing.T) {
	g, fc := newGov(t, credits.Config{Mode: credits.ModeLegacy, Legacy: credits.LegacyLimits{PerMinute: 20}})
	// In any window of 60 s at most PerMinute requests go out.
	start := fc.Now()
	var sent []time.Time
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			p, err := g.Admit(context.Background(), getOne)
			if err != nil {
				t.Error(err)
				return
			}
			p.Settle(credits.Observation{Status: 200})
		})
	}
	doneCh := make(chan struct{})
	go func() { wg.Wait(); close(doneCh) }()
	for {
		select {
		case <-doneCh:
			u := g.Usage()
			if u.Spent != 60 {
				t.Errorf("spent %d", u.Spent)
			}
			if el := fc.Now().Sub(start); el < 2*time.Minute {
				t.Errorf("60 requests at 20/min took only %v", el)
			}
			_ = sent
			return
		default:
		}
		if !fc.AdvanceToNext() {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestHeaderGarbageIsNotTrusted(t *testing.T) {
	var problems []credits.HeaderProblem
	g, _ := newGov(t, credits.Config{LegacyAfter: 1, Observer: credits.Observer{OnHeaderProblem: func(p credits.HeaderProblem) { problems = append(problems, p) }}})
	for _, v := range []string{"-5", "lots", "99999999999999"} {
		p, err := g.Admit(context.Background(), getList)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(credits.HeaderWeight, v)
		h.Set(credits.HeaderRemaining, v)
		p.Settle(credits.ParseObservation(200, h, t0))
	}
	u := g.Usage()
	if u.Spent != 9 || u.HeaderProblems != 6 || len(problems) != 6 || u.Mode != "credits" || u.OrgSpent != 9 {
		t.Errorf("spent %d problems %d mode %s org %d", u.Spent, u.HeaderProblems, u.Mode, u.OrgSpent)
	}
	if est := g.Estimate(getList); est != 3 {
		t.Errorf("garbage taught the model: %d", est)
	}
}

func TestWaitForReset(t *testing.T) {
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 3, OnExhausted: credits.WaitForReset}})
	p, _ := g.Admit(context.Background(), getList)
	p.Settle(ok200(3))
	// A deadline before the reset: refused at once, without sleeping.
	dctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if _, err := g.Admit(dctx, getList); !errors.Is(err, credits.ErrBudgetExhausted) {
		t.Fatalf("err = %v", err)
	}
	if fc.Waiters() != 0 {
		t.Fatal("slept past the deadline")
	}
	got := make(chan error, 1)
	go func() {
		p, err := g.Admit(context.Background(), getList)
		if err == nil {
			p.Settle(ok200(3))
		}
		got <- err
	}()
	// Rechecks before the reset keep it waiting.
	for range 3 {
		fc.BlockUntil(1)
		fc.Advance(time.Hour)
	}
	fc.BlockUntil(1)
	select {
	case err := <-got:
		t.Fatalf("admitted before the reset: %v", err)
	default:
	}
	fc.Set(t0.Add(24 * time.Hour))
	// The waiter may have read the clock just before Set and registered its
	// wait just after it, a minute past the new time: nudge the clock
	// until it is admitted, a bounded number of times.
	for range 1000 {
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("after the reset: %v", err)
			}
			return
		case <-time.After(5 * time.Millisecond):
			fc.Advance(time.Minute)
		}
	}
	t.Fatal("not admitted after the reset")
}

func TestStopSharedThroughLedger(t *testing.T) {
	ledger := credits.NewMemoryLedger()
	fc := clock.New(t0)
	a, _ := newGov(t, credits.Config{Ledger: ledger, Clock: fc})
	b, _ := newGov(t, credits.Config{Ledger: ledger, Clock: fc})
	p, _ := a.Admit(context.Background(), getOne)
	p.Settle(credits.Observation{Status: 429, Code: credits.CodeThresholdExceeded, RetryAfter: 10 * time.Minute, HasRetryAfter: true})
	if _, err := b.Admit(context.Background(), getOne); !errors.Is(err, credits.ErrThresholdExceeded) {
		t.Errorf("the other process was not stopped: %v", err)
	}
	fc.Advance(11 * time.Minute)
	if p, err := b.Admit(context.Background(), getOne); err != nil {
		t.Errorf("after the stop: %v", err)
	} else {
		p.Release()
	}
}

func TestServerResetRealigns(t *testing.T) {
	var resets []credits.ResetEvent
	g, fc := newGov(t, credits.Config{Observer: credits.Observer{OnReset: func(e credits.ResetEvent) { resets = append(resets, e) }}})
	settle := func(rem int64) {
		p, err := g.Admit(context.Background(), getOne)
		if err != nil {
			t.Fatal(err)
		}
		o := ok200(1)
		o.Remaining, o.HasRemaining = rem, true
		p.Settle(o)
	}
	fc.Set(t0.Add(23*time.Hour + 30*time.Minute))
	settle(40_000)
	fc.Advance(10 * time.Minute)
	settle(99_999) // Desk started a new day 20 minutes early
	if len(resets) != 1 || !resets[0].ServerMade || resets[0].Day != "2025-10-07" {
		t.Fatalf("resets %+v", resets)
	}
	if u := g.Usage(); u.Day != "2025-10-07" || u.OrgSpent > 10 {
		t.Errorf("after realign: day %s org spent %d", u.Day, u.OrgSpent)
	}
}

func TestObserverMayCallBack(t *testing.T) {
	var g *credits.Governor
	calls := 0
	obs := credits.Observer{
		OnAdmit:  func(credits.AdmitEvent) { _ = g.Usage(); calls++ },
		OnSettle: func(credits.SettleEvent) { _ = g.Usage(); calls++ },
		OnRefuse: func(*credits.Refusal) { _ = g.Usage(); calls++ },
	}
	g, _ = newGov(t, credits.Config{Budget: credits.Budget{Cap: 3}, ConcurrencyOverride: 1, Observer: obs})
	p, _ := g.Admit(context.Background(), getList)
	p.Settle(ok200(3))
	_, _ = g.Admit(context.Background(), getList)
	if calls != 3 {
		t.Errorf("callbacks %d", calls)
	}
}

// TestEvenPacing simulates a credit day on a fake clock: spend stays within
// 2% of the straight line to the reset, and after idle hours it catches up
// without passing the cap.
func TestEvenPacing(t *testing.T) {
	const capC = 20_000
	ledger := credits.NewMemoryLedger()
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: capC, Pacing: credits.Even}, Ledger: ledger})
	var paused atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	const workers = 6
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if paused.Load() {
					select {
					case <-fc.After(time.Minute):
					case <-ctx.Done():
					}
					continue
				}
				p, err := g.Admit(ctx, getList)
				if err != nil {
					if !errors.Is(err, credits.ErrBudgetExhausted) && ctx.Err() == nil {
						t.Errorf("admit: %v", err)
					}
					select {
					case <-fc.After(time.Minute):
					case <-ctx.Done():
					}
					continue
				}
				p.Settle(ok200(3))
			}
		})
	}
	defer func() { cancel(); fc.Advance(48 * time.Hour); wg.Wait() }()
	spent := func() int64 {
		s, _ := ledger.Snapshot(context.Background(), "2025-10-06")
		return s.Spent
	}
	day := 24 * time.Hour
	step := 5 * time.Minute
	check := func(from time.Time, base int64, label string) {
		elapsed := fc.Now().Sub(from)
		line := float64(capC-base) * float64(elapsed) / float64(t0.Add(day).Sub(from))
		if d := math.Abs(float64(spent()-base) - line); d > 0.02*capC {
			t.Errorf("%s at %v: spent %d, line %.0f (off by %.1f%%)", label, fc.Now().Format("15:04"), spent()-base, line, 100*d/capC)
		}
	}
	// runUntil moves the clock event by event (each worker is parked on the
	// clock before it moves), checking the line every step.
	runUntil := func(end time.Time, onStep func()) {
		next := fc.Now().Add(step)
		for fc.Now().Before(end) {
			fc.BlockUntil(workers)
			fc.AdvanceToNext()
			if !fc.Now().Before(next) {
				fc.BlockUntil(workers) // let the woken workers settle first
				onStep()
				next = next.Add(step)
			}
		}
	}
	// Morning: 6 hours of steady work.
	runUntil(t0.Add(6*time.Hour), func() { check(t0, 0, "morning") })
	// Four idle hours.
	paused.Store(true)
	runUntil(t0.Add(10*time.Hour), func() {})
	fc.BlockUntil(workers)
	paused.Store(false)
	resume, base := fc.Now(), spent()
	runUntil(t0.Add(day-time.Second), func() {
		check(resume, base, "afternoon")
		if s := spent(); s > capC {
			t.Fatalf("spent %d past the cap", s)
		}
	})
	if s := spent(); s < capC*98/100 || s > capC {
		t.Errorf("day ended with %d of %d spent", s, capC)
	}
}
