package desktest

import (
	"time"
)

// rollLocked moves the credit day to the one containing now and adds what
// other integrations spent since the last call. s.cmu must be held.
func (s *Server) rollLocked(now time.Time) {
	if s.dayStart.IsZero() || now.Before(s.dayStart) || !now.Before(s.nextReset) {
		l := now.In(s.zone)
		s.dayStart = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.zone)
		s.nextReset = s.dayStart.AddDate(0, 0, 1)
		s.spent, s.extDone = 0, 0
	}
	if s.extPerDay > 0 {
		frac := float64(now.Sub(s.dayStart)) / float64(s.nextReset.Sub(s.dayStart))
		due := int64(float64(s.extPerDay) * frac)
		if due > s.extDone {
			s.spent += due - s.extDone
			s.extDone = due
		}
	}
}

func (s *Server) remainingLocked() int64 {
	return max(s.daily-s.spent, 0)
}

// charge spends cost credits at now if the day has that many left. It
// returns whether it did, the credits left after the call, and, when it did
// not, the whole seconds until the reset (at least 1).
func (s *Server) charge(cost int64, now time.Time) (ok bool, remaining, retryAfter int64) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(now)
	if s.daily-s.spent < cost {
		wait := s.nextReset.Sub(now)
		secs := int64((wait + time.Second - 1) / time.Second)
		return false, s.remainingLocked(), max(secs, 1)
	}
	s.spent += cost
	s.charged += cost
	return true, s.remainingLocked(), 0
}

// Remaining returns the organisation's credits left today (for a legacy
// organisation, calls left), as the next call would see them before its
// own charge.
func (s *Server) Remaining() int64 {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(s.clock.Now())
	return s.remainingLocked()
}

// SpentToday returns the credits spent today by everyone: the calls to this
// server and the other integrations.
func (s *Server) SpentToday() int64 {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(s.clock.Now())
	return min(s.spent, s.daily)
}

// Charged returns the credits charged to calls made to this server, over
// all days (other integrations' spending is not included).
func (s *Server) Charged() int64 {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.charged
}

// SpendExternal spends n credits of today's allotment at once, as another
// integration of the same organisation would (a burst). Spending more than
// is left leaves 0. n <= 0 does nothing.
func (s *Server) SpendExternal(n int64) {
	if n <= 0 {
		return
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(s.clock.Now())
	s.spent = min(s.spent+n, s.daily)
}

// SetExternal makes other integrations spend perDay credits each day,
// spread evenly from midnight to midnight: at any instant, the share of the
// day elapsed times perDay has been spent. Changing it takes effect at
// once for the rest of the day (what was already accrued today stays
// spent). perDay <= 0 stops external spending.
func (s *Server) SetExternal(perDay int64) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	now := s.clock.Now()
	s.rollLocked(now)
	s.extPerDay = max(perDay, 0)
	if s.extPerDay > 0 {
		// Accrue from now on only: treat the elapsed share as already done.
		frac := float64(now.Sub(s.dayStart)) / float64(s.nextReset.Sub(s.dayStart))
		s.extDone = int64(float64(s.extPerDay) * frac)
	}
}

// NextReset returns the instant the current credit day ends: the next
// midnight in the server's zone.
func (s *Server) NextReset() time.Time {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(s.clock.Now())
	return s.nextReset
}

// Advance moves the server's clock forward by d. It works when the clock
// has an Advance(time.Duration) method (internal/clock's Fake) or a
// Set(time.Time) method, and returns ErrClockNotControllable otherwise.
func (s *Server) Advance(d time.Duration) error {
	switch c := s.clock.(type) {
	case interface{ Advance(time.Duration) }:
		c.Advance(d)
		return nil
	case interface{ Set(time.Time) }:
		c.Set(s.clock.Now().Add(d))
		return nil
	}
	return ErrClockNotControllable
}

// AdvanceToReset moves the server's clock to the next reset (midnight in
// the server's zone), where the day's credits are whole again. It returns
// ErrClockNotControllable if the clock cannot be moved (see Advance).
func (s *Server) AdvanceToReset() error {
	return s.Advance(s.NextReset().Sub(s.clock.Now()))
}
