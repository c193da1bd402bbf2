package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"golang.org/x/time/rate"
)

// api is the work's view of a strategy: the four calls the day is made of.
// The priority travels in the context (credits.WithPriority).
type api interface {
	listTickets(ctx context.Context, from, limit int) ([]string, error)
	getTicket(ctx context.Context, id string) error
	listThreads(ctx context.Context, id string) error
	updateTicket(ctx context.Context, id, priority string) error
}

// errRefused is a plain client giving up an interactive call on a 429.
var errRefused = errors.New("sim: refused by Desk")

// sdkAPI is this SDK's client, governor and all.
type sdkAPI struct{ c *desk.Client }

func (a sdkAPI) listTickets(ctx context.Context, from, limit int) ([]string, error) {
	ts, _, err := a.c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{From: from, Limit: limit}})
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids, err
}

func (a sdkAPI) getTicket(ctx context.Context, id string) error {
	_, _, err := a.c.Tickets.Get(ctx, id)
	return err
}

func (a sdkAPI) listThreads(ctx context.Context, id string) error {
	_, _, err := a.c.Threads.List(ctx, id, &desk.ThreadListOptions{ListOptions: desk.ListOptions{Limit: 100}})
	return err
}

func (a sdkAPI) updateTicket(ctx context.Context, id, priority string) error {
	_, _, err := a.c.Tickets.Update(ctx, id, &desk.TicketInput{Priority: priority})
	return err
}

// plainAPI is what most integrations do: net/http and a loop. With a
// limiter it is the header-mirror strategy, without one the naive one.
type plainAPI struct {
	hc    *http.Client
	base  string
	org   string
	token string
	clock credits.Clock
	reset time.Time
	// mirror paces the calls when non-nil.
	mirror *mirrorLimiter
}

func (a *plainAPI) listTickets(ctx context.Context, from, limit int) ([]string, error) {
	q := url.Values{"from": {strconv.Itoa(from)}, "limit": {strconv.Itoa(limit)}}
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := a.do(ctx, http.MethodGet, "/tickets", q, nil, &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Data))
	for i, t := range out.Data {
		ids[i] = t.ID
	}
	return ids, nil
}

func (a *plainAPI) getTicket(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodGet, "/tickets/"+id, nil, nil, nil)
}

func (a *plainAPI) listThreads(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodGet, "/tickets/"+id+"/threads", url.Values{"limit": {"100"}}, nil, nil)
}

func (a *plainAPI) updateTicket(ctx context.Context, id, priority string) error {
	return a.do(ctx, http.MethodPatch, "/tickets/"+id, nil, map[string]string{"priority": priority}, nil)
}

// Plain clients' retry rules: how long to wait on a 429 without
// Retry-After, and how many tries an interactive call gets.
const (
	plainDefaultRetry      = time.Second
	plainInteractiveTries  = 3
	plainInteractiveMaxGap = 10 * time.Second
)

// do sends one call. On a 429 it waits Retry-After (plainDefaultRetry
// without one) and tries again; an interactive call gives up instead when
// the wait is long (the day's credits are gone) or after a few tries.
func (a *plainAPI) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	route := credits.Route(method, path)
	interactive := credits.PriorityFrom(ctx) == credits.Interactive
	for try := 1; ; try++ {
		if a.mirror != nil {
			if err := a.mirror.wait(ctx, route); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Zoho-oauthtoken "+a.token)
		req.Header.Set("orgId", a.org)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := a.hc.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if a.mirror != nil {
			a.mirror.observe(route, resp.Header, a.clock.Now(), a.reset)
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			wait := plainDefaultRetry
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			if interactive && (wait > plainInteractiveMaxGap || try >= plainInteractiveTries) {
				return errRefused
			}
			if !sleep(ctx, a.clock, wait) {
				return ctx.Err()
			}
			continue
		case resp.StatusCode >= 300:
			return fmt.Errorf("sim: %s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
		}
		if out != nil && resp.StatusCode != http.StatusNoContent {
			return json.Unmarshal(b, out)
		}
		return nil
	}
}

// mirrorLimiter is the header-mirror strategy's pacing: a token bucket of
// credits whose rate is set once, from the first response's remaining
// credits over the time left to the reset, charging each call what its
// route cost last time (1 before it is known).
type mirrorLimiter struct {
	clock credits.Clock

	mu    sync.Mutex
	lim   *rate.Limiter // nil until the first response
	costs map[string]int
}

func newMirrorLimiter(clk credits.Clock) *mirrorLimiter {
	return &mirrorLimiter{clock: clk, costs: map[string]int{}}
}

func (m *mirrorLimiter) wait(ctx context.Context, route string) error {
	m.mu.Lock()
	if m.lim == nil {
		m.mu.Unlock()
		return nil
	}
	n := max(m.costs[route], 1)
	now := m.clock.Now()
	d := m.lim.ReserveN(now, min(n, m.lim.Burst())).DelayFrom(now)
	m.mu.Unlock()
	if !sleep(ctx, m.clock, d) {
		return ctx.Err()
	}
	return nil
}

func (m *mirrorLimiter) observe(route string, h http.Header, now, reset time.Time) {
	o := credits.ParseObservation(0, h, now)
	m.mu.Lock()
	defer m.mu.Unlock()
	if o.HasWeight {
		m.costs[route] = int(o.Weight)
	}
	if m.lim == nil && o.HasRemaining {
		left := max(reset.Sub(now).Seconds(), 1)
		m.lim = rate.NewLimiter(rate.Limit(float64(o.Remaining)/left), 10)
		m.lim.ReserveN(now, 10) // start empty: no burst
	}
}
