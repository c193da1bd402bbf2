package credits

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Refusals returned by the [Governor] are *[Refusal] values
// that match one of the first three with errors.Is.
var (
	// ErrBudgetExhausted: the call would take the day's spend past the
	// budget's cap (or into the interactive reserve, for background work).
	ErrBudgetExhausted = errors.New("credits: daily budget exhausted")
	// ErrJobCapReached: the call would take the job's spend past its cap.
	ErrJobCapReached = errors.New("credits: job credit cap reached")
	// ErrThresholdExceeded: Desk answered THRESHOLD_EXCEEDED (the
	// organisation's credits for the day are gone) and the organisation is
	// stopped until the time Desk gave.
	ErrThresholdExceeded = errors.New("credits: organisation stopped by THRESHOLD_EXCEEDED")
	// ErrInvalidConfig: a configuration value cannot work (see the message).
	ErrInvalidConfig = errors.New("credits: invalid configuration")
	// ErrLedgerUnavailable: the ledger could not be reached or answered
	// something it should not have.
	ErrLedgerUnavailable = errors.New("credits: ledger unavailable")
)

// Refusal is the error the Governor returns when it refuses a call before
// anything is sent. Reason is one of ErrBudgetExhausted, ErrJobCapReached or
// ErrThresholdExceeded, and errors.Is(refusal, Reason) holds.
type Refusal struct {
	Reason    error
	Route     string    // the call's route, e.g. "GET /tickets"
	Job       string    // the job's name, if any
	Needed    int64     // the credits the call was estimated to cost
	Available int64     // the credits the call could have had
	Reset     time.Time // when the limit that refused the call lifts
}

func (r *Refusal) Error() string {
	msg := fmt.Sprintf("%v: %s needs %d credits, %d available", r.Reason, r.Route, r.Needed, r.Available)
	if r.Job != "" {
		msg += fmt.Sprintf(" (job %q)", r.Job)
	}
	if !r.Reset.IsZero() {
		msg += "; retry after " + r.Reset.UTC().Format(time.RFC3339)
	}
	return msg
}

func (r *Refusal) Unwrap() error { return r.Reason }
