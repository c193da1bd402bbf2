package credits

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The response headers through which Desk reports credits.
const (
	// HeaderWeight carries the credits the call cost.
	HeaderWeight = "X-Rate-Limit-Request-Weight-v3"
	// HeaderRemaining carries the credits the organisation has left today,
	// for all apps together.
	HeaderRemaining = "X-Rate-Limit-Remaining-v3"
	// HeaderRetryAfter carries the seconds to wait once the day's credits are spent.
	HeaderRetryAfter = "Retry-After"
)

// Bounds beyond which a header value is taken to be garbage rather than
// news. No single Desk call is known to cost more than a few thousand
// credits, and no allotment comes near a trillion.
const (
	MaxPlausibleWeight     int64 = 1_000_000
	MaxPlausibleRemaining  int64 = 1_000_000_000_000
	MaxPlausibleRetryAfter       = 48 * time.Hour
)

// Observation is what one response said about credits. The Has fields tell
// whether the header was present and valid; a header that was present but
// malformed is left out and described in Problems.
type Observation struct {
	// Status is the HTTP status code of the response.
	Status int
	// Code is Desk's errorCode from the body ("THRESHOLD_EXCEEDED",
	// "TOO_MANY_REQUESTS", ...), filled in by the caller that decoded the
	// body; empty for a success.
	Code string

	Weight    int64 // credits this call cost
	HasWeight bool

	Remaining    int64 // credits the organisation has left today
	HasRemaining bool

	RetryAfter    time.Duration
	HasRetryAfter bool

	// Date is the server's clock from the Date header (zero when absent).
	Date time.Time

	// Problems lists the headers that were present but could not be trusted.
	Problems []HeaderProblem
}

// HeaderProblem describes a credit header whose value was ignored.
type HeaderProblem struct {
	Header string
	Value  string
	Reason string
}

func (p HeaderProblem) Error() string {
	return fmt.Sprintf("credits: ignored header %s=%q: %s", p.Header, truncate(p.Value, 40), p.Reason)
}

// HasCredits reports whether the response carried either credit header, which
// tells an organisation on the credit model from one on the legacy
// request-count limits.
func (o Observation) HasCredits() bool { return o.HasWeight || o.HasRemaining }

// ParseObservation reads the credit headers of a response. now is used to
// turn an HTTP-date Retry-After into a duration. It never fails: a malformed,
// negative or implausibly large value is left out and recorded in Problems.
func ParseObservation(status int, h http.Header, now time.Time) Observation {
	o := Observation{Status: status}
	if v, ok := headerValue(h, HeaderWeight); ok {
		if n, err := parseCount(v, MaxPlausibleWeight); err != nil {
			o.Problems = append(o.Problems, HeaderProblem{HeaderWeight, v, err.Error()})
		} else {
			o.Weight, o.HasWeight = n, true
		}
	}
	if v, ok := headerValue(h, HeaderRemaining); ok {
		if n, err := parseCount(v, MaxPlausibleRemaining); err != nil {
			o.Problems = append(o.Problems, HeaderProblem{HeaderRemaining, v, err.Error()})
		} else {
			o.Remaining, o.HasRemaining = n, true
		}
	}
	if v, ok := headerValue(h, "Date"); ok {
		if t, err := http.ParseTime(v); err != nil {
			o.Problems = append(o.Problems, HeaderProblem{"Date", v, "not an HTTP date"})
		} else {
			o.Date = t
		}
	}
	if v, ok := headerValue(h, HeaderRetryAfter); ok {
		if d, err := parseRetryAfter(v, now); err != nil {
			o.Problems = append(o.Problems, HeaderProblem{HeaderRetryAfter, v, err.Error()})
		} else {
			o.RetryAfter, o.HasRetryAfter = d, true
		}
	}
	return o
}

func headerValue(h http.Header, name string) (string, bool) {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "", false
	}
	return strings.TrimSpace(vs[0]), true
}

func parseCount(v string, limit int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a whole number")
	}
	if n < 0 {
		return 0, fmt.Errorf("negative")
	}
	if n > limit {
		return 0, fmt.Errorf("larger than %d, not plausible", limit)
	}
	return n, nil
}

func parseRetryAfter(v string, now time.Time) (time.Duration, error) {
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, fmt.Errorf("negative")
		}
		if secs > int64(MaxPlausibleRetryAfter/time.Second) {
			return 0, fmt.Errorf("longer than %v, not plausible", MaxPlausibleRetryAfter)
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
		if d > MaxPlausibleRetryAfter {
			return 0, fmt.Errorf("later than %v from now, not plausible", MaxPlausibleRetryAfter)
		}
	} else {
		return 0, fmt.Errorf("neither seconds nor an HTTP date")
	}
	return d, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
