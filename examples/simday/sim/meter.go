package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// priorityHeader tells the meter which kind of work a request serves. The
// fake server ignores it.
const priorityHeader = "X-Simday-Priority"

// charge is one call the server charged.
type charge struct {
	at          time.Time // the server's clock when it charged the call
	credits     int64
	interactive bool
}

// meter sits in front of the fake server and records, on the server's side,
// what every call was charged and how Desk answered it. It is the one
// measuring point of every strategy.
type meter struct {
	next http.Handler

	mu      sync.Mutex
	charges []charge
	dryAt   time.Time

	threshold, tooMany, requests atomic.Int64
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &captureWriter{ResponseWriter: w}
	m.next.ServeHTTP(cw, r)
	m.requests.Add(1)
	h := w.Header()
	at, _ := http.ParseTime(h.Get("Date")) // the server's clock, in whole seconds (truncated, so never in the next day)
	if cw.status == http.StatusTooManyRequests {
		var eb struct {
			ErrorCode string `json:"errorCode"`
		}
		_ = json.Unmarshal(cw.body, &eb)
		switch eb.ErrorCode {
		case credits.CodeThresholdExceeded:
			if m.threshold.Add(1) == 1 {
				m.mu.Lock()
				m.dryAt = at
				m.mu.Unlock()
			}
		case credits.CodeTooManyRequests:
			m.tooMany.Add(1)
		}
	}
	if v := h.Get(credits.HeaderWeight); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			m.mu.Lock()
			m.charges = append(m.charges, charge{at: at, credits: n, interactive: r.Header.Get(priorityHeader) == credits.Interactive.String()})
			m.mu.Unlock()
		}
	}
}

// chargesBefore returns the charges made before end, in time order.
func (m *meter) chargesBefore(end time.Time) []charge {
	m.mu.Lock()
	out := slices.Clone(m.charges)
	m.mu.Unlock()
	out = slices.DeleteFunc(out, func(c charge) bool { return !c.at.Before(end) })
	slices.SortStableFunc(out, func(a, b charge) int { return a.at.Compare(b.at) })
	return out
}

// captureWriter remembers the status and, for a 429, the body (to read
// Desk's errorCode), while passing everything through.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.status == http.StatusTooManyRequests && len(c.body) < 4096 {
		c.body = append(c.body, b...)
	}
	return c.ResponseWriter.Write(b)
}

// clientTransport is the strategies' HTTP transport: it tags each request
// with its priority (read from the context, as the governor reads it) and
// measures its latency on the virtual clock.
type clientTransport struct {
	next  http.RoundTripper
	clock credits.Clock

	n, nanos atomic.Int64
}

func (t *clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Header.Set(priorityHeader, credits.PriorityFrom(req.Context()).String())
	start := t.clock.Now()
	resp, err := t.next.RoundTrip(out)
	t.n.Add(1)
	t.nanos.Add(int64(t.clock.Now().Sub(start)))
	return resp, err
}

func (t *clientTransport) meanLatency() time.Duration {
	n := t.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(t.nanos.Load() / n)
}

// sleep waits d on clk; it reports false if ctx ended first.
func sleep(ctx context.Context, clk credits.Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-clk.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}
