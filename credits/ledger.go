package credits

import (
	"context"
	"time"
)

// Day names a credit day: its date in the credit window's time zone, in the
// form "2006-01-02".
type Day string

// Ledger records one organisation's credits for each credit day: what was
// spent, what is held by calls in flight, what Desk said is left for the
// whole organisation, and whether Desk stopped the organisation.
//
// Every method is safe for concurrent use, and Reserve is atomic: two
// reservations can never both pass a check that only one of them fits.
// A Ledger may be shared by many processes (see package redisledger); the
// in-memory one returned by NewMemoryLedger serves one process.
type Ledger interface {
	// Reserve holds r.Amount credits on r.Day if, on that day,
	//
	//	used + held + r.Amount <= r.Limit
	//
	// where used is the organisation's inferred spend (see LedgerSnapshot.OrgSpent).
	// A refusal is not an error: the result has OK false and says what was
	// available. An error means the ledger could not decide.
	Reserve(ctx context.Context, r ReserveRequest) (ReserveResult, error)
	// Settle ends a hold with the credits the call really cost, charged to
	// the hold's own day even if that day is over. When s.HasRemaining, the
	// organisation's remaining credits Desk reported are learnt as well.
	Settle(ctx context.Context, s Settlement) error
	// Release ends a hold without spending: the call was not sent or not charged.
	Release(ctx context.Context, h Hold) error
	// Observe learns the organisation's remaining credits from a response that
	// settled no hold of this ledger.
	Observe(ctx context.Context, day Day, remaining, allotment int64) error
	// Stop marks the organisation as stopped (THRESHOLD_EXCEEDED) until the
	// given instant. A later instant extends the stop; an earlier one does not
	// shorten it.
	Stop(ctx context.Context, until time.Time) error
	// Snapshot returns the ledger's view of day, including the stop flag.
	Snapshot(ctx context.Context, day Day) (LedgerSnapshot, error)
}

// ReserveRequest asks a Ledger to hold credits.
type ReserveRequest struct {
	Day Day
	// Reset is the end of Day; a ledger may forget the day some time after it.
	Reset time.Time
	// Amount is the credits to hold; it must be positive.
	Amount int64
	// Limit is the most the organisation may have used and held on Day once
	// this hold is added.
	Limit int64
	// Allotment is the organisation's daily allotment, from which Desk's
	// remaining credits are turned into credits spent.
	Allotment int64
	// Lease bounds how long the hold lives if it is neither settled nor
	// released (a process that died). Zero means the ledger's default.
	Lease time.Duration
}

// Hold is credits reserved for one call in flight.
type Hold struct {
	ID     string
	Day    Day
	Amount int64
}

// ReserveResult is the ledger's answer to a ReserveRequest.
type ReserveResult struct {
	OK   bool
	Hold Hold // valid when OK
	// Available is Limit - used - held before the request: what the request
	// could have had.
	Available int64
}

// Settlement ends a hold with the call's actual cost.
type Settlement struct {
	Hold   Hold
	Actual int64
	// Remaining is the organisation's remaining credits from the same
	// response, valid when HasRemaining.
	Remaining    int64
	HasRemaining bool
	Allotment    int64
}

// LedgerSnapshot is a ledger's view of one credit day.
type LedgerSnapshot struct {
	Day Day
	// Spent is what the callers of this ledger settled on Day.
	Spent int64
	// Held is what calls in flight hold on Day.
	Held int64
	// OrgSpent is what the whole organisation is inferred to have spent on
	// Day: Spent plus what other integrations spent, as learnt from the
	// lowest remaining credits Desk reported. It is never below Spent, nor
	// below Allotment minus the lowest remaining seen.
	OrgSpent int64
	// LowestRemaining is the lowest remaining credits Desk reported on Day,
	// valid when HasRemaining.
	LowestRemaining int64
	HasRemaining    bool
	// StoppedUntil is the end of a THRESHOLD_EXCEEDED stop, zero if none.
	StoppedUntil time.Time
}
