package credits

// SKELETON: the credits-engine work replaces this file; the exported
// signatures are the contract the desk package codes against.

import (
	"context"
	"log/slog"
	"time"
)

// Config configures a Governor.
type Config struct {
	Plan   Plan
	Budget Budget
	// Ledger records spend; nil means a new in-memory ledger.
	Ledger Ledger
	// Zone is the credit day's time zone; nil means UTC.
	Zone   *time.Location
	Clock  Clock
	Logger *slog.Logger
	Mode   Mode
	Legacy LegacyLimits
}

// Governor admits, paces and charges every attempt of one client.
type Governor struct {
	cfg Config
}

// NewGovernor validates cfg and returns a Governor.
func NewGovernor(cfg Config) (*Governor, error) {
	if err := cfg.Plan.Validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock()
	}
	return &Governor{cfg: cfg}, nil
}

// Estimate returns the credits call is expected to cost.
func (g *Governor) Estimate(call Call) int64 { return 1 }

// Admit waits until call may be sent and returns a permit for it, or returns
// a *Refusal (or the context's error) without sending anything.
func (g *Governor) Admit(ctx context.Context, call Call) (*Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Permit{g: g, call: call, estimate: g.Estimate(call)}, nil
}

// Permit is one admitted attempt. Exactly one of Settle or Release must be
// called; later calls do nothing.
type Permit struct {
	g        *Governor
	call     Call
	estimate int64
}

// Estimate returns the credits the permit holds.
func (p *Permit) Estimate() int64 { return p.estimate }

// Settle charges the permit with what the response said.
func (p *Permit) Settle(o Observation) {}

// Release gives the permit's credits back: the call was not charged.
func (p *Permit) Release() {}
