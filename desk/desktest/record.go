package desktest

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Request is the record of one request the server received.
type Request struct {
	// Time is the server's clock when the request arrived.
	Time time.Time
	// Method and Path are the request's, Path with the /api/v1 prefix.
	Method, Path string
	// Route is the route key, like credits.Route ("GET /tickets/{id}"),
	// empty for a path outside the API.
	Route string
	Query url.Values
	// Header is the request's headers; the Authorization token is
	// replaced by "[redacted]".
	Header http.Header
	// Status is the HTTP status sent; 0 for a dropped connection.
	Status int
	// Code is Desk's errorCode when the call failed.
	Code string
	// Charged is the credits the call cost (0 when refused).
	Charged int64
	// Remaining is the day's credits left after the call, -1 when the call
	// did not reach the credit check.
	Remaining int64
	// Fault is the fault injected into the call, if any.
	Fault FaultKind
}

type recorder struct {
	mu    sync.Mutex
	max   int
	reqs  []Request // ring once full
	start int
	total int
}

func (rc *recorder) add(r Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.total++
	if rc.max < 0 {
		return
	}
	if len(rc.reqs) < rc.max {
		rc.reqs = append(rc.reqs, r)
		return
	}
	rc.reqs[rc.start] = r
	rc.start = (rc.start + 1) % len(rc.reqs)
}

// Requests returns a copy of the recorded requests, oldest first (at most
// Options.MaxRecorded of them: the most recent).
func (s *Server) Requests() []Request {
	rc := &s.rec
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Request, 0, len(rc.reqs))
	out = append(out, rc.reqs[rc.start:]...)
	return append(out, rc.reqs[:rc.start]...)
}

// RequestCount returns how many requests the server has received, including
// those no longer kept.
func (s *Server) RequestCount() int {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return s.rec.total
}

// ResetRequests forgets the recorded requests (the count too).
func (s *Server) ResetRequests() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.reqs, s.rec.start, s.rec.total = nil, 0, 0
}
