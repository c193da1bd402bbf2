package credits

import (
	"sync/atomic"
	"time"
)

// MaxRealign bounds how far a Window moves its day boundary to follow a
// reset made by Desk. A jump of remaining credits further from the expected
// boundary is taken to be bought credits, not a new day.
const MaxRealign = 3 * time.Hour

// Window is the credit day: the calendar day, 00:00 to 24:00, in the data
// centre's time zone, optionally moved by a shift learnt from Desk (see
// [Window.Realign]). Days of 23 or 25 hours around daylight-saving changes
// are honoured as the zone defines them.
//
// A Window is safe for concurrent use. Its zero value is not usable; call
// [NewWindow].
type Window struct {
	zone  *time.Location
	shift atomic.Int64 // nanoseconds added to every local midnight
}

// NewWindow returns the credit day of zone; nil means UTC.
func NewWindow(zone *time.Location) *Window {
	if zone == nil {
		zone = time.UTC
	}
	return &Window{zone: zone}
}

// Zone returns the window's time zone.
func (w *Window) Zone() *time.Location { return w.zone }

// Shift returns how far the day boundary has been moved from local midnight
// to follow Desk (negative: Desk's day starts before midnight).
func (w *Window) Shift() time.Duration { return time.Duration(w.shift.Load()) }

// Day returns the credit day that contains t.
func (w *Window) Day(t time.Time) Day {
	start, _ := w.Bounds(t)
	return dayOf(start.Add(-w.Shift()), w.zone)
}

func dayOf(t time.Time, zone *time.Location) Day {
	return Day(t.In(zone).Format(time.DateOnly))
}

// Bounds returns the start of the credit day containing t and its reset, the
// first instant of the next day: start <= t < reset.
func (w *Window) Bounds(t time.Time) (start, reset time.Time) {
	shift := w.Shift()
	u := t.Add(-shift).In(w.zone)
	y, m, d := u.Date()
	start = time.Date(y, m, d, 0, 0, 0, 0, w.zone).Add(shift)
	reset = time.Date(y, m, d+1, 0, 0, 0, 0, w.zone).Add(shift)
	return start, reset
}

// NextReset returns the first instant after t at which a new credit day starts.
func (w *Window) NextReset(t time.Time) time.Time {
	_, reset := w.Bounds(t)
	return reset
}

// Realign is told that Desk's remaining credits jumped up between two
// responses, one seen at prev and one at at (prev < at): Desk started a new
// day in (prev, at]. When the window already has a boundary there, nothing
// changes. Otherwise the boundary nearest to at is moved to at (the latest
// instant the reset can have happened, so the window never starts a day
// before Desk did), provided that moves it by at most MaxRealign from local
// midnight; a jump further away is left alone (bought credits, not a reset).
// Realign reports whether the boundary moved.
func (w *Window) Realign(prev, at time.Time) bool {
	if !prev.Before(at) {
		prev = at.Add(-time.Nanosecond)
	}
	if _, reset := w.Bounds(prev); !reset.After(at) {
		return false // a boundary in (prev, at] already explains the jump
	}
	local := at.In(w.zone)
	y, m, d := local.Date()
	best := time.Duration(0)
	found := false
	for _, off := range []int{0, 1} {
		mid := time.Date(y, m, d+off, 0, 0, 0, 0, w.zone)
		delta := at.Sub(mid)
		if delta.Abs() <= MaxRealign && (!found || delta.Abs() < best.Abs()) {
			best, found = delta, true
		}
	}
	if !found {
		return false
	}
	w.shift.Store(int64(best))
	return true
}
