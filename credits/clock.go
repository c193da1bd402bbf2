package credits

import "time"

// Clock is the source of time for everything in go-zohodesk that reads the
// time or waits. Tests and simulations pass a controllable clock; the zero
// configuration uses [SystemClock].
//
// After must behave like [time.After]: the channel receives once, at or after
// Now()+d. A channel that nobody reads must not keep anything alive.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock returns the real clock (time.Now and time.After).
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
