package desk

import (
	"context"
	"net/http"
)

// Credits is what one call cost in credits, over all its attempts.
type Credits struct {
	// Estimate is what the governor held for the last attempt before sending.
	Estimate int64
	// Weight is what Desk charged for the last attempt
	// (X-Rate-Limit-Request-Weight-v3), valid when HasWeight.
	Weight    int64
	HasWeight bool
	// Charged is what all attempts together were charged: the header's
	// weight where Desk sent one, the estimate where it did not.
	Charged int64
	// Remaining is the organisation's credits left today after the last
	// attempt (X-Rate-Limit-Remaining-v3), valid when HasRemaining.
	Remaining    int64
	HasRemaining bool
	// Attempts is how many attempts were sent (retries included).
	Attempts int
}

// Response is Desk's answer to one call. Its body has been read and closed;
// the decoded value is returned beside it.
type Response struct {
	*http.Response
	Credits Credits
}

// ResponseHook is called after every attempt that got an HTTP response, with
// its status and headers (which must not be modified). It runs on the
// calling goroutine, before the body is read.
type ResponseHook func(method, path string, status int, header http.Header)

type hookKey struct{}

// WithResponseHook returns a context under which every attempt of every call
// reports to hook, in addition to hooks set by enclosing contexts.
func WithResponseHook(ctx context.Context, hook ResponseHook) context.Context {
	prev, _ := ctx.Value(hookKey{}).(ResponseHook)
	if prev != nil {
		next := hook
		hook = func(method, path string, status int, h http.Header) {
			prev(method, path, status, h)
			next(method, path, status, h)
		}
	}
	return context.WithValue(ctx, hookKey{}, hook)
}

func responseHookFrom(ctx context.Context) ResponseHook {
	h, _ := ctx.Value(hookKey{}).(ResponseHook)
	return h
}
