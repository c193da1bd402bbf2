package credits

import (
	"math"
	"time"
)

// Tuning of the spend forecast (see Budget.ForecastOthers).
const (
	// forecastMinWindow is the shortest time a rate is measured over, so
	// that the first readings of a day do not divide by almost nothing.
	forecastMinWindow = time.Minute
	// forecastSigmas is how many standard deviations the forecast adds to
	// the projection.
	forecastSigmas = 2
	// forecastSigmasAsap replaces forecastSigmas in the forecast of the
	// others' spend that limits Background calls under Asap pacing. Asap
	// spends whatever the limit allows as soon as it allows it, and spent
	// credits do not come back: the client ends up committed to the lowest
	// margin the forecast ever gave, not to the margin of one moment. The
	// bound must then hold at every moment of the day at once (the others'
	// rate drifting up late in the day included), which takes a wider band
	// than a bound that holds at one moment (Even pacing stays well behind
	// the limit until the reset).
	forecastSigmasAsap = 4
	// forecastBlock is the span over which the spread of the counter's
	// rises is measured, long enough to see calls that come in runs.
	forecastBlock = time.Minute
	// forecastMinBlocks is how many blocks make the measured spread count.
	forecastMinBlocks = 5
)

// spendTrack follows one counter of credits through a credit day (the other
// integrations' spend, or this client's Interactive spend) and projects what
// it will still add before the reset. It is not safe for concurrent use.
type spendTrack struct {
	day            Day
	started        bool
	firstAt, seeAt time.Time
	// first and last are the counter at the first and the latest reading of
	// the day; maxJump is its largest rise in one reading interval.
	first, last, maxJump int64
	// The rises over blocks of about forecastBlock: count, mean, and sum
	// of squared deviations (Welford).
	blockAt            time.Time
	blockV             int64
	blocks             int
	blockMean, blockM2 float64
}

// add records the counter v read at now on day, readings being meant to
// come every interval; seen is when the counter's source last learnt
// something (for the others' spend, the last response with a remaining
// header), at or before now. The first reading of a day starts the day's
// measure; a counter that went down is ignored.
//
// A rise is spread over the intervals since the source last learnt
// something before it, and the largest rise per interval is the jump: when
// no call was made for a while, the others' spend of that whole while shows
// up at once in the next response, and is not one burst.
func (s *spendTrack) add(day Day, now, seen time.Time, v int64, interval time.Duration) {
	if seen.IsZero() || seen.After(now) {
		seen = now
	}
	if !s.started || s.day != day {
		*s = spendTrack{day: day, started: true, firstAt: now, seeAt: seen, first: v, last: v, blockAt: now, blockV: v}
		return
	}
	defer func() {
		if d := now.Sub(s.blockAt); d >= forecastBlock {
			x := float64(s.last-s.blockV) * float64(forecastBlock) / float64(d)
			s.blocks++
			delta := x - s.blockMean
			s.blockMean += delta / float64(s.blocks)
			s.blockM2 += delta * (x - s.blockMean)
			s.blockAt, s.blockV = now, s.last
		}
	}()
	if v > s.last {
		jump := v - s.last
		if gap := seen.Sub(s.seeAt); gap > 2*interval && interval > 0 {
			jump = int64(math.Ceil(float64(jump) * float64(interval) / float64(gap)))
		}
		s.maxJump = max(s.maxJump, jump)
		s.last = v
		s.seeAt = seen
	}
}

// forecast returns what the counter is expected to add between now and
// reset: point is the larger of the projections at the measured rates (see
// below) plus the largest jump; upper raises each projection to its upper
// bound, sigmas standard deviations above it, first. The rates are measured since the first reading and (when
// fromDayStart, for a counter that starts at 0 at dayStart) since the day
// began. Both are 0 before any reading of the day.
func (s *spendTrack) forecast(day Day, now, dayStart, reset time.Time, fromDayStart bool, sigmas float64) (point, upper int64) {
	if !s.started || s.day != day {
		return 0, 0
	}
	left := reset.Sub(now)
	j := float64(max(s.maxJump, 1))
	if s.blocks >= forecastMinBlocks && s.blockMean > 0 {
		// The index of dispersion of the rises per block: for calls of
		// one size c arriving at random it is c; calls in runs raise it.
		j = max(j, s.blockM2/float64(s.blocks-1)/s.blockMean)
	}
	p, u := projection(s.last-s.first, now.Sub(s.firstAt), left, j, sigmas)
	if fromDayStart {
		p2, u2 := projection(s.last, now.Sub(dayStart), left, j, sigmas)
		p, u = max(p, p2), max(u, u2)
	}
	return int64(math.Ceil(p)) + s.maxJump, int64(math.Ceil(u)) + s.maxJump
}

// projection returns what a counter that rose by seen over elapsed adds
// over left if it goes on at the same rate (F), and the upper bound of it
// given an index of dispersion j (variance over mean of its rises; for
// random steps of up to j credits, at most j): F plus sigmas standard
// deviations of the rises to come (F×j) and of a rate measured on
// seen (F²×j/seen).
func projection(seen int64, elapsed, left time.Duration, j, sigmas float64) (f, upper float64) {
	if seen <= 0 || left <= 0 {
		return 0, 0
	}
	elapsed = max(elapsed, forecastMinWindow)
	f = float64(seen) * left.Seconds() / elapsed.Seconds()
	sd := math.Sqrt(f * j * (1 + f/max(float64(seen), j)))
	return f, f + sigmas*sd
}
