package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/hashicorp/go-retryablehttp"
)

// maxBody bounds what is read of a successful response body.
const maxBody = 64 << 20

// retryPolicy decides which attempts are retried and how long to wait. It
// replaces go-retryablehttp's defaults, which retry every method (POST too),
// pass Retry-After unbounded and may sleep past the context's deadline.
type retryPolicy struct {
	maxRetries   int
	waitMin      time.Duration
	maxWait      time.Duration
	waitForReset bool
}

func newRetryPolicy(cfg Config) retryPolicy {
	p := retryPolicy{maxRetries: cfg.MaxRetries, waitMin: 250 * time.Millisecond, maxWait: cfg.MaxRetryWait,
		waitForReset: cfg.Budget.OnExhausted == credits.WaitForReset}
	if p.maxRetries == 0 {
		p.maxRetries = 4
	}
	if p.maxRetries < 0 {
		p.maxRetries = 0
	}
	if p.maxWait == 0 {
		p.maxWait = 30 * time.Second
	}
	p.waitMin = min(p.waitMin, p.maxWait)
	return p
}

// do sends one call with retries and returns the last response with its
// body read, or the error that ended the call.
func (p retryPolicy) do(ctx context.Context, c *Client, st *callState, rawURL string, payload []byte) (*http.Response, []byte, error) {
	httpReq, err := c.newHTTPRequest(ctx, st, rawURL, payload)
	if err != nil {
		return nil, nil, err
	}
	req, err := retryablehttp.FromRequest(httpReq)
	if err != nil {
		return nil, nil, fmt.Errorf("desk: preparing %s %s: %w", st.r.method, st.r.path, err)
	}
	rc := &retryablehttp.Client{
		HTTPClient: c.hc,
		RetryMax:   p.maxRetries + 1, // one more for the forced OAuth refresh
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return p.check(ctx, c, st, resp, err)
		},
		Backoff: func(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
			p.sleep(ctx, c.clock, time.Duration(st.nextWait))
			return 0
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, err := rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, nil, fmt.Errorf("desk: %s %s: %w", st.r.method, st.r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return resp, nil, fmt.Errorf("desk: reading the response to %s %s: %w", st.r.method, st.r.path, err)
	}
	if len(body) > maxBody {
		return resp, nil, fmt.Errorf("desk: the response to %s %s is larger than %d bytes: %w", st.r.method, st.r.path, maxBody, ErrMalformedResponse)
	}
	return resp, body, nil
}

// check is the CheckRetry of one call. Every "retry" answer has set
// st.nextWait, which Backoff then waits through the client's clock.
func (p retryPolicy) check(ctx context.Context, c *Client, st *callState, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	retries := max(st.credits.Attempts-1, 0)
	if st.oauthRetried {
		retries--
	}
	if err != nil {
		var notSent *notSentError
		if errors.As(err, &notSent) {
			return false, notSent.err
		}
		if retries >= p.maxRetries || !retryableTransportError(st.r.method, err) {
			return false, err
		}
		return p.schedule(ctx, c, st, nil, err)
	}
	switch code := st.lastCode; {
	case resp.StatusCode == http.StatusUnauthorized && code == CodeInvalidOAuth && !st.oauthRetried:
		// The token may have been revoked or expired early: refresh once.
		st.oauthRetried = true
		c.tokens.invalidate(st.lastToken)
		st.nextWait = 0
		return true, nil
	case retries >= p.maxRetries || st.retryCharged >= maxRetryCredits(st):
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests && code == CodeThresholdExceeded:
		// The governor has stopped the organisation: another attempt now
		// would only be refused. With WaitForReset the next admission waits
		// for the stop to end, bounded by the context.
		if !p.waitForReset {
			return false, nil
		}
		st.nextWait = 0
		return true, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return p.schedule(ctx, c, st, resp, nil)
	case resp.StatusCode >= 500 && idempotent(st.r.method):
		return p.schedule(ctx, c, st, resp, nil)
	}
	return false, nil
}

// maxRetryCredits bounds what the retries of one call may be charged: ten
// times the estimate of one attempt.
func maxRetryCredits(st *callState) int64 { return 10 * max(st.credits.Estimate, 1) }

// schedule picks the wait before the next attempt: full jitter over an
// exponential ceiling, at least the server's Retry-After, at most maxWait,
// and never a wait that would end after the context's deadline.
func (p retryPolicy) schedule(ctx context.Context, c *Client, st *callState, resp *http.Response, err error) (bool, error) {
	retry := max(st.credits.Attempts-1, 0)
	ceiling := p.waitMin << min(retry, 16)
	ceiling = min(ceiling, p.maxWait)
	wait := time.Duration(rand.Int64N(int64(ceiling) + 1))
	// The transport parsed this response's Retry-After already.
	if resp != nil && st.hasLastRetryAfter {
		wait = max(wait, st.lastRetryAfter)
	}
	wait = min(wait, p.maxWait)
	if deadline, ok := ctx.Deadline(); ok && !c.clock.Now().Add(wait).Before(deadline) {
		return false, err
	}
	st.nextWait = int64(wait)
	return true, nil
}

// sleep waits d on clock, or until ctx is done.
func (p retryPolicy) sleep(ctx context.Context, clock credits.Clock, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-clock.After(d):
	}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodOptions:
		return true
	}
	return false
}

// retryableTransportError reports whether an attempt that failed in
// transport may be repeated: always when the connection was never made,
// otherwise only for idempotent methods, since a POST may have reached Desk.
func retryableTransportError(method string, err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	return idempotent(method)
}
