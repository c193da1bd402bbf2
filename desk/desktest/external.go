package desktest

// SpendExternalUpTo spends up to n credits of today's allotment at once, as
// another integration of the same organisation would (a burst), and returns
// how many it spent: n, or what was left today if that is less (the other
// integration is refused the rest, as Desk would refuse its calls). n <= 0
// spends nothing and returns 0.
//
// Unlike [Server.SpendExternal], it reports what the burst really got, so a
// simulation can tell the credits other integrations wanted from those they
// had.
func (s *Server) SpendExternalUpTo(n int64) int64 {
	if n <= 0 {
		return 0
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.rollLocked(s.clock.Now())
	got := min(n, max(s.daily-s.spent, 0))
	s.spent += got
	return got
}
