package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Shape of the simulated day's work, per full day (scaled to a shortened one).
const (
	// externalBurstsPerDay is how many times a day the other integrations
	// spend (a sync run, a report, a webhook storm).
	externalBurstsPerDay = 120
	// sessionsPerDay is how many bursts of interactive work come in a day.
	sessionsPerDay = 144
	// sessionListLimit is the page an agent opens.
	sessionListLimit = 20
)

// burst is other integrations spending at one instant.
type burst struct {
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
	externals []burst
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
	if total > 0 {
		n := max(int(math.Round(externalBurstsPerDay*frac)), 12)
		// Burst sizes are exponential (many small runs, a few big ones),
		// scaled so that they add up to total exactly.
		w := make([]float64, n)
		sum := 0.0
		for i := range w {
			w[i] = r.ExpFloat64()
			sum += w[i]
		}
		left := total
		for i := range w {
			c := int64(math.Round(w[i] / sum * float64(total)))
			if i == n-1 || c > left {
				c = left
			}
			left -= c
			if c > 0 {
				s.externals = append(s.externals, burst{at: at(), credits: c})
			}
		}
		s.wanted = total
		slices.SortFunc(s.externals, func(a, b burst) int { return a.at.Compare(b.at) })
	}

	n := max(int(math.Round(sessionsPerDay*frac)), 8)
	for range n {
		ss := session{at: at(), from: r.IntN(max(cfg.Tickets/sessionListLimit, 1)) * sessionListLimit}
		for range 1 + r.IntN(8) {
			ss.opens = append(ss.opens, open{
				index:  r.IntN(sessionListLimit),
				update: r.IntN(2) == 0,
				think:  time.Duration(5+r.IntN(26)) * time.Second,
			})
		}
		s.sessions = append(s.sessions, ss)
	}
	slices.SortFunc(s.sessions, func(a, b session) int { return a.at.Compare(b.at) })
	return s
}
