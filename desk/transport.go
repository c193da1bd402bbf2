package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// callState follows one call across its attempts. It is only touched by the
// goroutine making the call (attempts are sequential).
type callState struct {
	call    credits.Call
	r       request
	credits Credits
	// lastCode is the errorCode of the last attempt's response.
	lastCode ErrorCode
	// lastRetryAfter is the last response's Retry-After, if it had a valid one.
	lastRetryAfter    time.Duration
	hasLastRetryAfter bool
	// retryCharged is what attempts after the first were charged.
	retryCharged int64
	oauthRetried bool
	// lastToken is the access token the last attempt carried.
	lastToken string
	// nextWait is the wait before the next attempt, chosen by the policy.
	nextWait int64
}

type callStateKey struct{}

func withCallState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

// notSentError is an attempt that ended before anything was sent: refused
// or held back by the governor (budget, job cap, stop, a pacing wait past
// the deadline, the ledger) or lacking a token. The retry policy never
// repeats one: the governor has already waited as long as it may.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// maxErrorBody bounds what is read of an error body to find its errorCode.
const maxErrorBody = 64 << 10

// meteredTransport admits every attempt through the governor, authorises
// it, and settles the permit with the response's credit headers.
type meteredTransport struct {
	next   http.RoundTripper
	client *Client
}

var _ http.RoundTripper = (*meteredTransport)(nil)

func (t *meteredTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		return nil, fmt.Errorf("desk: request %s %s was not made by a desk.Client; its transport only carries the client's own calls", req.Method, req.URL.Path)
	}
	c := t.client
	permit, err := c.gov.Admit(ctx, st.call)
	if err != nil {
		return nil, &notSentError{err}
	}
	token, err := c.tokens.token(ctx)
	if err != nil {
		permit.Release()
		return nil, &notSentError{err}
	}
	out := req.Clone(ctx)
	out.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	st.lastToken = token
	st.credits.Attempts++
	st.credits.Estimate = permit.Estimate()
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		// Desk charges calls it answered; one that failed in transport is
		// given back, and the remaining header of later calls corrects the
		// ledger if Desk charged it anyway.
		permit.Release()
		return nil, err
	}
	obs := credits.ParseObservation(resp.StatusCode, resp.Header, c.clock.Now())
	st.lastRetryAfter, st.hasLastRetryAfter = obs.RetryAfter, obs.HasRetryAfter
	st.lastCode = ""
	if resp.StatusCode >= 400 {
		st.lastCode = peekErrorCode(resp)
		obs.Code = string(st.lastCode)
	}
	// The governor reports obs.Problems through the Observer (by default,
	// a warning on Config.Logger).
	permit.Settle(obs)
	charged := permit.Estimate()
	if obs.HasWeight {
		charged = obs.Weight
	}
	if st.credits.Attempts > 1 {
		st.retryCharged += charged
	}
	st.credits.Charged += charged
	st.credits.Weight, st.credits.HasWeight = obs.Weight, obs.HasWeight
	if obs.HasRemaining {
		st.credits.Remaining, st.credits.HasRemaining = obs.Remaining, true
	}
	if hook := responseHookFrom(ctx); hook != nil {
		hook(st.r.method, st.r.path, resp.StatusCode, resp.Header)
	}
	return resp, nil
}

// peekErrorCode reads the error body to find Desk's errorCode and puts the
// bytes back, so the caller still reads the whole body.
func peekErrorCode(resp *http.Response) ErrorCode {
	if resp.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var eb struct {
		ErrorCode ErrorCode `json:"errorCode"`
	}
	if json.Unmarshal(body, &eb) != nil {
		return ""
	}
	return eb.ErrorCode
}
