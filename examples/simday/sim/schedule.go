package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Shape of the simulated day's work, per full day (scaled to a shortened one).
const (
	// sessionsPerDay is how many bursts of interactive work come in a day.
	sessionsPerDay = 144
	// sessionListLimit is the page an agent opens.
	sessionListLimit = 20
	// sessionCallAllowance is the time a session plans for each of its
	// calls on top of its think times, so that a session starting late in
	// the day plans no call after the reset.
	sessionCallAllowance = 30 * time.Second
)

// The other integrations' model: their share of the day is spent in many
// API calls of a few credits each, grouped in short runs (a sync pass, a
// report, a webhook handler) that start at random instants spread
// uniformly over the simulated window; within a run the calls follow each
// other a few seconds apart.
const (
	// externalRunCalls is the mean number of calls of a run (geometric).
	externalRunCalls = 8
	// externalCallGap bounds the gap between two calls of a run.
	externalCallGap = 4 * time.Second
)

// externalCosts are the costs an other integration's call is drawn from,
// with Desk's prices: mostly single records (1), list pages (3, 5), now and
// then a deep list (10).
var externalCosts = []int64{1, 1, 1, 1, 3, 3, 3, 5, 5, 10}

// externalCall is one call of another integration, at the server's instant.
type externalCall struct {
	at      time.Time
	credits int64
}

// session is one burst of interactive work: an agent opens a ticket list
// page, then opens some of its tickets and updates some of those, thinking
// a little between calls.
type session struct {
	at    time.Time
	from  int // the list page's offset
	opens []open
}

type open struct {
	index  int           // into the listed page
	update bool          // change the ticket's priority after reading it
	think  time.Duration // before the call
}

// span returns how long the session is planned to last: its think times,
// and sessionCallAllowance per call.
func (s session) span() time.Duration {
	d := time.Duration(s.calls()) * sessionCallAllowance
	for _, o := range s.opens {
		d += o.think
	}
	return d
}

// calls returns how many API calls the session makes.
func (s session) calls() int {
	n := 1
	for _, o := range s.opens {
		n++
		if o.update {
			n++
		}
	}
	return n
}

// schedule is everything of the day that does not depend on the strategy.
type schedule struct {
	externals []externalCall // in time order
	runs      int            // how many runs the calls form
	sessions  []session
	wanted    int64 // sum of externals
}

// newSchedule draws the day from the seed: the same seed gives the same
// schedule whatever the strategy.
func newSchedule(cfg Config, start, reset time.Time, allotment int64) schedule {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5ead_da7))
	window := reset.Sub(start)
	frac := float64(window) / float64(24*time.Hour)
	at := func() time.Time { return start.Add(time.Duration(r.Int64N(int64(window)))) }

	var s schedule
	total := int64(math.Round(cfg.External * float64(allotment)))
	for left := total; left > 0; s.runs++ {
		t := at()
		for {
			c := min(externalCosts[r.IntN(len(externalCosts))], left)
			if t.Before(reset) {
				s.externals = append(s.externals, externalCall{at: t, credits: c})
				left -= c
			}
			if left == 0 || r.IntN(externalRunCalls) == 0 {
				break
			}
			t = t.Add(time.Second + time.Duration(r.Int64N(int64(externalCallGap-time.Second))))
		}
	}
	s.wanted = total
	slices.SortStableFunc(s.externals, func(a, b externalCall) int { return a.at.Compare(b.at) })

	// A session starts at a random instant of the window that leaves it
	// its whole span before the reset: no call is planned after the end
	// of the day.
	n := max(int(math.Round(sessionsPerDay*frac)), 8)
	for range n {
		ss := session{from: r.IntN(max(cfg.Tickets/sessionListLimit, 1)) * sessionListLimit}
		for range 1 + r.IntN(8) {
			ss.opens = append(ss.opens, open{
				index:  r.IntN(sessionListLimit),
				update: r.IntN(2) == 0,
				think:  time.Duration(5+r.IntN(26)) * time.Second,
			})
		}
		ss.at = start.Add(time.Duration(r.Int64N(int64(max(window-ss.span(), time.Second)))))
		s.sessions = append(s.sessions, ss)
	}
	slices.SortFunc(s.sessions, func(a, b session) int { return a.at.Compare(b.at) })
	return s
}
