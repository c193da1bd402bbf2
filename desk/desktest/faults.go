package desktest

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// FaultKind is a kind of misbehaviour the server can inject.
type FaultKind int

// The kinds of fault. A call that suffers a fault is recorded with its kind
// in Request.Fault.
const (
	// FaultNone is no fault.
	FaultNone FaultKind = iota
	// FaultServerError answers Fault.Status (default 500) with
	// INTERNAL_SERVER_ERROR, charging nothing and sending no credit headers.
	FaultServerError
	// FaultLatency delays the call by Fault.Latency (real time, ended early
	// if the client goes away) while it holds a concurrency slot, then
	// serves it normally.
	FaultLatency
	// FaultDrop closes the connection without a response. The call is
	// handled first (charged, and its writes applied), as when a response is
	// lost on the way back: a client must not blindly retry a POST.
	FaultDrop
	// FaultMalformedBody serves the call (charged, with credit headers) but
	// cuts its JSON body in half.
	FaultMalformedBody
	// FaultMalformedHeaders serves the call (charged) with credit headers
	// that are not numbers.
	FaultMalformedHeaders
	// FaultMissingHeaders serves the call (charged) without credit headers.
	FaultMissingHeaders
)

var faultNames = [...]string{"none", "server error", "latency", "drop", "malformed body", "malformed headers", "missing headers"}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault describes one injected fault rule.
type Fault struct {
	Kind FaultKind
	// Route limits the fault to one route, written like credits.Route:
	// "GET /tickets/{id}", "POST /tickets/moveToTrash". Empty means every
	// API route (never the token endpoint).
	Route string
	// Probability is the chance, in [0, 1], that a matching call suffers
	// the fault; 0 means 1 (always). The decision for the n-th matching call
	// of a rule depends only on the seed, the rule's position and n, so a
	// sequential test replays exactly.
	Probability float64
	// Times limits the fault to this many calls (the next N calls when
	// Probability is 0); 0 means no limit.
	Times int
	// Status is the HTTP status of FaultServerError: 500 when 0.
	Status int
	// Latency is the delay of FaultLatency.
	Latency time.Duration
}

type faultRule struct {
	Fault
	id      uint64
	matched uint64 // matching calls seen
	fired   int
}

type faultSet struct {
	mu    sync.Mutex
	seed  uint64
	next  uint64
	rules []*faultRule
}

// firedFault is what the rules decided for one call: at most one fault
// kind besides latency, which may combine with it.
type firedFault struct {
	kind    FaultKind
	status  int
	latency time.Duration
}

// InjectFault adds a fault rule and returns a function that removes it.
// Rules are tried in the order they were added; the first rule that fires
// decides the call's fault, except that a latency rule lets the next rules
// fire as well. It returns an error for an invalid rule.
func (s *Server) InjectFault(f Fault) (remove func(), err error) {
	switch {
	case f.Kind <= FaultNone || f.Kind > FaultMissingHeaders:
		return nil, fmt.Errorf("desktest: Fault.Kind %v is not a fault", f.Kind)
	case f.Probability < 0 || f.Probability > 1:
		return nil, fmt.Errorf("desktest: Fault.Probability %v is outside [0, 1]", f.Probability)
	case f.Times < 0:
		return nil, fmt.Errorf("desktest: Fault.Times %d is negative", f.Times)
	case f.Kind == FaultLatency && f.Latency <= 0:
		return nil, fmt.Errorf("desktest: a latency fault needs a positive Fault.Latency")
	case f.Kind == FaultServerError && f.Status != 0 && (f.Status < 500 || f.Status > 599):
		return nil, fmt.Errorf("desktest: Fault.Status %d is not a 5xx status", f.Status)
	}
	if f.Kind == FaultServerError && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	fs := &s.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.next++
	rule := &faultRule{Fault: f, id: fs.next}
	fs.rules = append(fs.rules, rule)
	return func() {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		for i, r := range fs.rules {
			if r == rule {
				fs.rules = append(fs.rules[:i], fs.rules[i+1:]...)
				return
			}
		}
	}, nil
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rules = nil
}

func (fs *faultSet) pick(route string) firedFault {
	var out firedFault
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.rules) == 0 {
		return out
	}
	keep := fs.rules[:0]
	for _, r := range fs.rules {
		if out.kind != FaultNone && out.kind != FaultLatency {
			keep = append(keep, r)
			continue
		}
		if r.Route != "" && r.Route != route {
			keep = append(keep, r)
			continue
		}
		n := r.matched
		r.matched++
		if r.Probability > 0 && r.Probability < 1 && unitFloat(fs.seed, r.id, n) >= r.Probability {
			keep = append(keep, r)
			continue
		}
		r.fired++
		switch r.Kind {
		case FaultLatency:
			out.latency += r.Latency
			if out.kind == FaultNone {
				out.kind = FaultLatency
			}
		case FaultServerError:
			out.kind, out.status = r.Kind, r.Status
		default:
			out.kind = r.Kind
		}
		if r.Times == 0 || r.fired < r.Times {
			keep = append(keep, r)
		}
	}
	clear(fs.rules[len(keep):])
	fs.rules = keep
	return out
}

// unitFloat is a deterministic number in [0, 1) from (seed, rule, n):
// splitmix64 over their combination.
func unitFloat(seed, rule, n uint64) float64 {
	x := seed*0x9e3779b97f4a7c15 ^ rule*0xbf58476d1ce4e5b9 ^ n*0x94d049bb133111eb
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
