// Package mock provides github.com/jarcoal/httpmock responders that answer
// like Zoho Desk: with the credit headers (X-Rate-Limit-Request-Weight-v3,
// X-Rate-Limit-Remaining-v3) and Desk's error bodies, including the two 429s
// (THRESHOLD_EXCEEDED with Retry-After, TOO_MANY_REQUESTS) on cue.
//
// It is for tests that mock at the transport. Tests that want Desk's
// semantics end to end (paging, validation, a credit day, faults) should use
// the fake server of package desktest instead.
package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/jarcoal/httpmock"
)

// Desk's error codes used by the responders.
const (
	CodeThresholdExceeded = "THRESHOLD_EXCEEDED"
	CodeTooManyRequests   = "TOO_MANY_REQUESTS"
)

// ErrorBody is Desk's error JSON.
type ErrorBody struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

func errorResponse(status int, code, msg string) *http.Response {
	b, _ := json.Marshal(ErrorBody{ErrorCode: code, Message: msg})
	resp := httpmock.NewBytesResponse(status, b)
	resp.Header.Set("Content-Type", "application/json;charset=UTF-8")
	return resp
}

// Error returns a responder answering status with Desk's error body
// {"errorCode": code, "message": message}.
func Error(status int, code, message string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return errorResponse(status, code, message), nil
	}
}

// WithCredits wraps r so that its responses carry the credit headers:
// weight credits charged and remaining credits left. A negative value leaves
// its header out.
func WithCredits(weight, remaining int64, r httpmock.Responder) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp, err := r(req)
		if err != nil || resp == nil {
			return resp, err
		}
		setCredits(resp.Header, weight, remaining)
		return resp, nil
	}
}

func setCredits(h http.Header, weight, remaining int64) {
	if weight >= 0 {
		h.Set(credits.HeaderWeight, strconv.FormatInt(weight, 10))
	}
	if remaining >= 0 {
		h.Set(credits.HeaderRemaining, strconv.FormatInt(remaining, 10))
	}
}

// ThresholdExceeded returns a responder answering HTTP 429
// THRESHOLD_EXCEEDED with Retry-After in whole seconds (rounded up, at
// least 1) and X-Rate-Limit-Remaining-v3: 0.
func ThresholdExceeded(retryAfter time.Duration) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return thresholdResponse(retryAfter, 0), nil
	}
}

func thresholdResponse(retryAfter time.Duration, remaining int64) *http.Response {
	resp := errorResponse(http.StatusTooManyRequests, CodeThresholdExceeded,
		"The API credits allotted for the day have been used up. Try again after the reset.")
	secs := max(int64((retryAfter+time.Second-1)/time.Second), 1)
	resp.Header.Set(credits.HeaderRetryAfter, strconv.FormatInt(secs, 10))
	resp.Header.Set(credits.HeaderRemaining, strconv.FormatInt(remaining, 10))
	return resp
}

// TooManyRequests returns a responder answering HTTP 429 TOO_MANY_REQUESTS
// (too many concurrent calls for the portal), without credit headers.
func TooManyRequests() httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return tooManyResponse(), nil
	}
}

func tooManyResponse() *http.Response {
	return errorResponse(http.StatusTooManyRequests, CodeTooManyRequests, "Too many concurrent requests for the portal. Try again later.")
}

// Meter is a pool of credits shared by the responders it wraps, like an
// organisation's day: each call charges its cost, the headers report the
// pool, and once the pool cannot pay a call's cost the call gets
// THRESHOLD_EXCEEDED. Cues (ThresholdNext, TooManyNext) force the 429s for
// the next calls. A Meter is safe for concurrent use; its zero value is
// not usable, call NewMeter.
type Meter struct {
	mu         sync.Mutex
	remaining  int64
	charged    int64
	calls      int
	retryAfter time.Duration
	cues       []string // error codes for the next calls, in order
}

// NewMeter returns a pool holding daily credits, answering
// THRESHOLD_EXCEEDED with a Retry-After of one hour until SetRetryAfter.
func NewMeter(daily int64) *Meter {
	return &Meter{remaining: max(daily, 0), retryAfter: time.Hour}
}

// Charge wraps r: each call through it charges cost credits (at least 1)
// and gets r's response with the credit headers. When the pool holds less
// than cost, or a cue is pending, r is not called and the call gets the 429.
func (m *Meter) Charge(cost int64, r httpmock.Responder) httpmock.Responder {
	cost = max(cost, 1)
	return func(req *http.Request) (*http.Response, error) {
		m.mu.Lock()
		m.calls++
		if len(m.cues) > 0 {
			code := m.cues[0]
			m.cues = m.cues[1:]
			rem, ra := m.remaining, m.retryAfter
			m.mu.Unlock()
			if code == CodeTooManyRequests {
				return tooManyResponse(), nil
			}
			return thresholdResponse(ra, rem), nil
		}
		if m.remaining < cost {
			rem, ra := m.remaining, m.retryAfter
			m.mu.Unlock()
			return thresholdResponse(ra, rem), nil
		}
		m.remaining -= cost
		m.charged += cost
		rem := m.remaining
		m.mu.Unlock()
		resp, err := r(req)
		if err != nil || resp == nil {
			return resp, err
		}
		setCredits(resp.Header, cost, rem)
		return resp, nil
	}
}

// ThresholdNext makes the next n calls through the meter answer
// THRESHOLD_EXCEEDED, charging nothing.
func (m *Meter) ThresholdNext(n int) { m.cue(CodeThresholdExceeded, n) }

// TooManyNext makes the next n calls through the meter answer
// TOO_MANY_REQUESTS, charging nothing.
func (m *Meter) TooManyNext(n int) { m.cue(CodeTooManyRequests, n) }

func (m *Meter) cue(code string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		m.cues = append(m.cues, code)
	}
}

// SetRemaining sets the credits left in the pool (negative means 0), e.g.
// to simulate other integrations' spending or the daily reset.
func (m *Meter) SetRemaining(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remaining = max(n, 0)
}

// SetRetryAfter sets the Retry-After of THRESHOLD_EXCEEDED answers.
func (m *Meter) SetRetryAfter(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retryAfter = d
}

// Remaining returns the credits left in the pool.
func (m *Meter) Remaining() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.remaining
}

// Charged returns the credits charged so far.
func (m *Meter) Charged() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.charged
}

// Calls returns how many calls went through the meter, refused ones included.
func (m *Meter) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}
