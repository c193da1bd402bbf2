package credits_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// orgServer is a minimal Desk for the forecast tests: one pool of credits
// for the day, spent by the governor's calls and by other integrations.
type orgServer struct {
	mu                   sync.Mutex
	allotment            int64
	ours, others, wanted int64
}

// spendOther spends n credits of another integration, if the day has them.
func (s *orgServer) spendOther(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wanted += n
	if s.ours+s.others+n <= s.allotment {
		s.others += n
	}
}

// charge charges one of our calls and returns the remaining credits, as
// Desk's header would.
func (s *orgServer) charge(n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ours += n
	return s.allotment - s.ours - s.others
}

// otherCosts are what another integration's call costs.
var otherCosts = []int64{1, 1, 1, 1, 3, 3, 3, 5, 5, 10}

// TestForecastOthersLeavesTheirShare is a property test over seeds and both
// pacings: other integrations spend 30% of the day in small calls at random
// instants, a greedy Background export takes all it is admitted. With
// ForecastOthers the others are never refused a credit, and the export still
// spends nearly all that is left to it; without it, the export takes the
// others' share (the reason the option exists).
func TestForecastOthersLeavesTheirShare(t *testing.T) {
	const allotment = 20_000
	for _, pacing := range []credits.Pacing{credits.Asap, credits.Even} {
		// Even pacing admits about a credit every 6 s, with a burst of one
		// call: the test's export must try more often than that.
		step := 10 * time.Second
		if pacing == credits.Even {
			step = 2 * time.Second
		}
		for seed := range uint64(4) {
			for _, forecast := range []bool{true, false} {
				if !forecast && (seed > 0 || pacing == credits.Even) {
					continue // one counter-example is enough
				}
				srv := &orgServer{allotment: allotment}
				g, fc := newGov(t, credits.Config{Allotment: allotment, LedgerRefresh: step,
					Budget: credits.Budget{Pacing: pacing, ForecastOthers: forecast, InteractiveReserve: 0.01, ProrateReserve: true}})
				rng := rand.New(rand.NewPCG(seed, 7))
				bg := credits.WithPriority(context.Background(), credits.Background)
				// A deadline makes a pacing wait fail at once instead of
				// blocking on the fake clock: the export then tries again
				// at the next step, as a paced worker would.
				paced, cancel := context.WithTimeout(bg, time.Hour)
				for now := t0; now.Before(t0.Add(24 * time.Hour)); now = now.Add(step) {
					fc.Set(now)
					if rng.Int64N(int64(50*time.Second)) < int64(step) { // 3.3 credits in 50 s: about 30% of the day
						srv.spendOther(otherCosts[rng.IntN(len(otherCosts))])
					}
					for range 200 {
						ctx := bg
						if pacing == credits.Even {
							ctx = credits.WithPriority(paced, credits.Background)
						}
						p, err := admitNoWait(g, ctx)
						if err != nil {
							break
						}
						o := ok200(1)
						o.Remaining, o.HasRemaining = srv.charge(1), true
						o.Date = now
						p.Settle(o)
					}
				}
				cancel()
				left := srv.allotment - srv.wanted
				squeezed := srv.wanted - srv.others
				t.Logf("%v seed %d forecast %v: ours %d of %d left to us, others wanted %d, refused %d",
					pacing, seed, forecast, srv.ours, left, srv.wanted, squeezed)
				if !forecast {
					if squeezed == 0 {
						t.Errorf("without the forecast the others were never refused: the test shows nothing")
					}
					continue
				}
				if squeezed != 0 {
					t.Errorf("%v seed %d: others refused %d credits", pacing, seed, squeezed)
				}
				if srv.ours < left*97/100 {
					t.Errorf("%v seed %d: spent %d of the %d left to us", pacing, seed, srv.ours, left)
				}
			}
		}
	}
}

// admitNoWait admits one 1-credit call; a pacing wait counts as a refusal.
func admitNoWait(g *credits.Governor, ctx context.Context) (*credits.Permit, error) {
	if _, ok := ctx.Deadline(); ok {
		short, cancel := context.WithTimeout(ctx, time.Millisecond)
		defer cancel()
		ctx = short
	}
	return g.Admit(ctx, getOne)
}

// TestProrateReserve checks the reserve as the day passes: without the
// option it is fixed; with it, it shrinks with the time left, but never
// below what interactive work is forecast to need, and never above the
// configured reserve. Background calls never pass Limit(Background).
func TestProrateReserve(t *testing.T) {
	const capC, res = 10_000, 1_000 // Cap 10,000, reserve 10%
	tests := []struct {
		name        string
		prorate     bool
		at          time.Duration
		interactive int64 // credits Interactive calls spend each minute until at
		want        int64 // the reserve at at
	}{
		{"fixed at the start", false, 0, 0, res},
		{"fixed at the end", false, 23*time.Hour + 59*time.Minute, 0, res},
		{"prorated at the start", true, 0, 0, res},
		{"prorated at noon", true, 12 * time.Hour, 0, res / 2},
		{"prorated at 18:00", true, 18 * time.Hour, 0, res / 4},
		{"prorated near the reset", true, 24*time.Hour - 36*time.Second, 0, 1},
		// 2 credits a minute is 120 an hour: at 20:00 the rest of the day
		// needs about 480, more than the prorated 167.
		{"interactive forecast wins", true, 20 * time.Hour, 2, 480},
		// 10 a minute would need more than the whole reserve: capped.
		{"capped at the reserve", true, 12 * time.Hour, 10, res},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: capC, InteractiveReserve: 0.1, ProrateReserve: tt.prorate}})
			for m := time.Duration(0); m <= tt.at; m += time.Minute {
				fc.Set(t0.Add(m))
				for range tt.interactive {
					p, err := g.Admit(context.Background(), getOne)
					if err != nil {
						t.Fatal(err)
					}
					p.Settle(ok200(1))
				}
			}
			fc.Set(t0.Add(tt.at))
			// Admit reads the ledger (and refreshes the forecast) first.
			bg := credits.WithPriority(context.Background(), credits.Background)
			p, err := g.Admit(bg, getOne)
			if err != nil {
				t.Fatal(err)
			}
			p.Release()
			got := g.Limit(credits.Interactive) - g.Limit(credits.Background)
			if tt.interactive > 0 {
				// A forecast: within its margin above the rate alone.
				if got < tt.want || got > tt.want*3/2 {
					t.Errorf("reserve %d, want %d to %d", got, tt.want, tt.want*3/2)
				}
				if got > res {
					t.Errorf("reserve %d above the configured %d", got, res)
				}
			} else if got != tt.want {
				t.Errorf("reserve %d, want %d", got, tt.want)
			}
			// Background spends up to the limit and no further.
			lim := g.Limit(credits.Background)
			for {
				p, err := g.Admit(bg, getOne)
				if err != nil {
					if !errors.Is(err, credits.ErrBudgetExhausted) {
						t.Fatal(err)
					}
					break
				}
				p.Settle(ok200(1))
			}
			if u := g.Usage(); u.OrgSpent != lim {
				t.Errorf("background stopped at %d, limit %d", u.OrgSpent, lim)
			}
			// The reserve is there for interactive calls.
			for range g.Limit(credits.Interactive) - g.Limit(credits.Background) {
				p, err := g.Admit(context.Background(), getOne)
				if err != nil {
					t.Fatalf("interactive refused while the reserve held: %v", err)
				}
				p.Settle(ok200(1))
			}
		})
	}
}

// TestExplicitInteractiveJumpsEvenPacing: under Even pacing a call marked
// Interactive with WithPriority is not delayed, while a call without a
// priority (Interactive for the caps) and a Background call wait their turn.
func TestExplicitInteractiveJumpsEvenPacing(t *testing.T) {
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 8_640, Pacing: credits.Even}}) // 0.1 credit/s
	fc.Set(t0.Add(time.Hour))
	tests := []struct {
		name     string
		ctx      context.Context
		wantWait bool
	}{
		{"explicit interactive", credits.WithPriority(context.Background(), credits.Interactive), false},
		{"explicit interactive again", credits.WithPriority(context.Background(), credits.Interactive), false},
		{"no priority", context.Background(), true},
		{"background", credits.WithPriority(context.Background(), credits.Background), true},
	}
	for _, tt := range tests {
		// A pacing wait longer than the deadline fails at once.
		ctx, cancel := context.WithTimeout(tt.ctx, time.Second)
		p, err := g.Admit(ctx, getList)
		cancel()
		switch {
		case tt.wantWait && !errors.Is(err, context.DeadlineExceeded):
			t.Errorf("%s: err = %v, want a pacing wait", tt.name, err)
		case !tt.wantWait && err != nil:
			t.Errorf("%s: err = %v, want no wait", tt.name, err)
		}
		if p != nil {
			p.Settle(ok200(3))
		}
	}
	if u := g.Usage(); u.Waits != 0 || u.Spent != 6 {
		t.Errorf("waits %d spent %d, want 0 and 6", u.Waits, u.Spent)
	}
}

// TestOutOfOrderResponsesDoNotReset reproduces the false reset: a response
// computed before another integration's burst arrives after one computed
// after it, and its remaining credits are higher. Only a rise between
// server seconds in order is a reset.
func TestOutOfOrderResponsesDoNotReset(t *testing.T) {
	type obs struct {
		date time.Duration // server time of day; 0: no Date header
		rem  int64
	}
	at := func(h, m, s int) time.Duration {
		return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	}
	tests := []struct {
		name      string
		seq       []obs // in the order they arrive, all at the arrival instant
		wantReset bool
	}{
		{"late response of an earlier second", []obs{{at(21, 34, 5), 60_000}, {at(21, 34, 6), 50_000}, {at(21, 34, 5), 59_990}}, false},
		{"late response of the same second", []obs{{at(21, 34, 6), 50_000}, {at(21, 34, 6), 60_000}, {at(21, 34, 7), 49_990}}, false},
		{"same second, higher first", []obs{{at(23, 1, 0), 60_000}, {at(23, 1, 0), 50_000}, {at(23, 1, 1), 50_000}}, false},
		{"a real reset, seconds in order", []obs{{at(23, 40, 0), 500}, {at(23, 40, 1), 99_000}}, true},
		{"without a Date header, arrival order", []obs{{0, 500}, {0, 99_000}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resets []credits.ResetEvent
			g, fc := newGov(t, credits.Config{Observer: credits.Observer{OnReset: func(e credits.ResetEvent) { resets = append(resets, e) }}})
			arrive := t0.Add(at(23, 40, 2))
			if tt.seq[0].date != 0 && tt.seq[0].date < at(23, 0, 0) {
				arrive = t0.Add(at(21, 34, 8))
			}
			fc.Set(arrive)
			for i, o := range tt.seq {
				if o.date == 0 {
					fc.Set(arrive.Add(time.Duration(i) * time.Second))
				}
				p, err := g.Admit(context.Background(), getOne)
				if err != nil {
					t.Fatal(err)
				}
				ob := ok200(1)
				ob.Remaining, ob.HasRemaining = o.rem, true
				if o.date != 0 {
					ob.Date = t0.Add(o.date)
				}
				p.Settle(ob)
			}
			if got := len(resets) > 0; got != tt.wantReset {
				t.Errorf("resets %+v, want a reset: %v", resets, tt.wantReset)
			}
			if !tt.wantReset && g.Window().Shift() != 0 {
				t.Errorf("the day boundary moved by %v", g.Window().Shift())
			}
		})
	}
}
