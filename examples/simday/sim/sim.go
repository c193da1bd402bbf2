// Package sim simulates one Zoho Desk credit day on the fake Desk server
// (package desktest), through real HTTP on loopback and a virtual clock that
// runs many times faster than real time, and measures how well a client
// strategy spends the organisation's credits: how much of what was left to it
// it used, how often it hit Desk's walls, and how far it pushed the
// organisation past its allotment.
//
// Every strategy meets the same day for a given seed: the same other
// integrations spending at the same instants (many calls of 1 to 10 credits,
// in short runs a few seconds apart, that start at random instants spread
// over the day, as syncs, reports and webhook handlers do; not a handful of
// giant bursts), the same export, the same
// bursts of interactive work, and a server whose prices differ from the
// client's default estimates on some routes. Only the client changes.
//
// It backs the examples/simday program and its test; it is not part of the
// SDK's API.
package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
)

// Strategy names a way of spending the day's credits.
type Strategy string

// The strategies compared.
const (
	// Naive sends as fast as its workers can and, on a 429, waits
	// Retry-After (a second when there is none) and goes on.
	Naive Strategy = "naive"
	// HeaderMirror paces with a rate limiter set once, from the first
	// response's remaining credits over the time to the reset, and
	// otherwise behaves like Naive.
	HeaderMirror Strategy = "header-mirror"
	// SDKEven is this SDK's governor with Even pacing.
	SDKEven Strategy = "sdk-even"
	// SDKAsap is this SDK's governor with Asap pacing.
	SDKAsap Strategy = "sdk-asap"
)

// Strategies returns every strategy, in the order they are reported.
func Strategies() []Strategy { return []Strategy{Naive, HeaderMirror, SDKEven, SDKAsap} }

// ParseStrategy returns the strategy named s.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("sim: unknown strategy %q: use naive, header-mirror, sdk-even or sdk-asap", s)
}

// Defaults of Config.
const (
	// DefaultScale runs a whole day (86,400 virtual seconds) in 40 real seconds.
	DefaultScale = 2160
	// DefaultExternal is the share of the allotment other integrations spend.
	DefaultExternal = 0.3
	// DefaultExportWorkers is the export's parallelism, the same for every
	// strategy (one more than a Professional portal's 15 concurrent calls
	// with the interactive work on top, as a client that does not know the
	// limit would pick).
	DefaultExportWorkers = 16
	// DefaultInteractiveReserve is the SDK strategies' Budget.InteractiveReserve.
	DefaultInteractiveReserve = 0.02
	// DefaultTickets is the size of the organisation the export reads.
	DefaultTickets = 3000
)

// Config describes one simulated day. The zero value (with a Strategy) is a
// whole day for a Professional organisation with 40 agents, seed 1.
type Config struct {
	Strategy Strategy
	// Seed fixes the day: the data, when the other integrations spend and
	// how much, when the interactive bursts come. 0 means 1.
	Seed uint64
	// Plan is the organisation's; the zero value means Professional with
	// 40 agents (95,000 credits a day).
	Plan credits.Plan
	// External is the share of the allotment the other integrations want
	// to spend during the simulated window: calls of 1 to 10 credits, in
	// runs of about 8 calls 1 to 4 s apart, each run starting at a random
	// instant of the window. 0 means DefaultExternal; negative means none.
	External float64
	// Scale is how many virtual seconds pass per real second; 0 means
	// DefaultScale.
	Scale float64
	// Start is the time of day the simulation starts, in [0, 24h); the
	// simulation always ends at the next reset (midnight, UTC). 0 simulates
	// the whole day; a shortened day starts later.
	Start time.Duration
	// ExportWorkers is the export's parallelism; 0 means DefaultExportWorkers.
	ExportWorkers int
	// InteractiveReserve is the SDK strategies' Budget.InteractiveReserve;
	// 0 means DefaultInteractiveReserve, negative means none.
	InteractiveReserve float64
	// Tickets is the number of tickets of the organisation; 0 means
	// DefaultTickets.
	Tickets int
	// ServerCosts overrides the server's prices per route ("GET
	// /tickets/{id}"), on top of where they already differ from the
	// client's default estimates. Dearer calls let a short test spend its
	// budget in fewer calls, so that its result does not hang on how fast
	// a loaded machine serves loopback HTTP.
	ServerCosts map[string]int64
}

func (c Config) withDefaults() (Config, error) {
	if _, err := ParseStrategy(string(c.Strategy)); err != nil {
		return c, err
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Plan == (credits.Plan{}) {
		c.Plan = credits.Plan{Edition: credits.Professional, Agents: 40}
	}
	if err := c.Plan.Validate(); err != nil {
		return c, err
	}
	switch {
	case c.External == 0:
		c.External = DefaultExternal
	case c.External < 0:
		c.External = 0
	case c.External >= 1:
		return c, errors.New("sim: External must be a fraction of the allotment below 1")
	}
	if c.Scale == 0 {
		c.Scale = DefaultScale
	}
	if !(c.Scale >= 1) {
		return c, fmt.Errorf("sim: Scale is %v: it must be at least 1", c.Scale)
	}
	if c.Start < 0 || c.Start >= 24*time.Hour {
		return c, fmt.Errorf("sim: Start is %v: it must be a time of day in [0, 24h)", c.Start)
	}
	if c.ExportWorkers == 0 {
		c.ExportWorkers = DefaultExportWorkers
	}
	if c.ExportWorkers < 1 {
		return c, fmt.Errorf("sim: ExportWorkers is %d: it must be positive", c.ExportWorkers)
	}
	switch {
	case c.InteractiveReserve == 0:
		c.InteractiveReserve = DefaultInteractiveReserve
	case c.InteractiveReserve < 0:
		c.InteractiveReserve = 0
	}
	if c.Tickets == 0 {
		c.Tickets = DefaultTickets
	}
	if c.Tickets < 100 {
		return c, fmt.Errorf("sim: Tickets is %d: the export needs at least 100", c.Tickets)
	}
	return c, nil
}

// Result is what one simulated day measured. Credits are those the server
// charged on the simulated day (a call in flight at the reset is charged to
// the next day and left out).
type Result struct {
	Strategy Strategy
	Seed     uint64
	// Allotment is the organisation's credits for the day.
	Allotment int64
	// Spent is what the strategy's calls were charged; Background and
	// Interactive split it.
	Spent, Background, Interactive int64
	// ExternalWanted is what the other integrations tried to spend;
	// ExternalSpent is what they got (less when the day ran dry).
	ExternalWanted, ExternalSpent int64
	// LeftToUs is Allotment - ExternalSpent.
	LeftToUs int64
	// Utilization is Spent / LeftToUs.
	Utilization float64
	// ThresholdExceeded and TooManyRequests count the strategy's calls Desk
	// answered 429 with each code.
	ThresholdExceeded, TooManyRequests int64
	// Overshoot is how far the organisation's total, counting what the
	// other integrations wanted, went past the allotment:
	// max(0, Spent + ExternalWanted - Allotment). It is the credits other
	// integrations were refused because the strategy had spent them.
	Overshoot int64
	// InteractiveCalls is the interactive calls planned; InteractiveRefused
	// those that failed while the day was on (refused by the client,
	// answered 429, any other error), counting the calls of a burst that
	// could not start because its first call failed. InteractiveCut is
	// those the end of the simulated day prevented: a session scheduled
	// near midnight whose think time or waits cross the reset. They are not
	// refusals; InteractiveFailures lists every failed or cut call.
	InteractiveCalls, InteractiveRefused, InteractiveCut int64
	InteractiveFailures                                  []InteractiveFailure
	// InteractiveP95 and InteractiveMax are virtual latencies of the
	// interactive calls that succeeded, waits included.
	InteractiveP95, InteractiveMax time.Duration
	// PacingError is the largest gap between the cumulative spend and the
	// straight line from the start to LeftToUs at the reset, as a fraction
	// of LeftToUs.
	PacingError float64
	// Requests is the HTTP requests the strategy sent; MeanLatency their
	// mean virtual latency on loopback (what the scaled clock makes of real
	// latency).
	Requests    int64
	MeanLatency time.Duration
	// DryAt is when the strategy first got THRESHOLD_EXCEEDED, zero if never.
	DryAt time.Time
	// Start and Reset bound the simulated window.
	Start, Reset time.Time
	// Real is the real time the run took.
	Real time.Duration
	// Usage is the governor's report a virtual minute before the reset, for
	// the SDK strategies (nil for the others, or if the run ended early).
	Usage *credits.Usage
	// ExternalCalls and ExternalRuns describe the other integrations' day.
	ExternalCalls, ExternalRuns int
}

// InteractiveFailure is one interactive call (or Calls calls of a session)
// that failed or was cut, for diagnosis.
type InteractiveFailure struct {
	// Began is when the call was made, At when it failed (virtual time).
	Began, At time.Time
	// Call names it: "list", "get", "update", or the calls not made.
	Call  string
	Calls int
	// Err is the error the call got (nil when the day ended before it).
	Err error
	// Cut is true when the end of the day, not a refusal, stopped it.
	Cut bool
}

// String describes the failure in one line.
func (f InteractiveFailure) String() string {
	kind := "refused"
	if f.Cut {
		kind = "cut"
	}
	var ref *credits.Refusal
	var de *desk.Error
	cause := "no error"
	switch {
	case errors.As(f.Err, &ref):
		cause = fmt.Sprintf("*credits.Refusal: %v", f.Err)
	case errors.As(f.Err, &de):
		cause = fmt.Sprintf("*desk.Error: %v", f.Err)
	case f.Err != nil:
		cause = fmt.Sprintf("%T: %v", f.Err, f.Err)
	}
	return fmt.Sprintf("%s %s %dx %s (began %s, waited %v): %s", f.At.Format("15:04:05"), kind, f.Calls, f.Call,
		f.Began.Format("15:04:05"), f.At.Sub(f.Began), cause)
}

// Line returns the result in the one-line form scripts parse:
//
//	simday strategy=<name> utilization=<0.0000> threshold_exceeded=<n> too_many_requests=<n> overshoot=<credits> interactive_refused=<n> pacing_error=<0.0000>
func (r Result) Line() string {
	return fmt.Sprintf("simday strategy=%s utilization=%.4f threshold_exceeded=%d too_many_requests=%d overshoot=%d interactive_refused=%d pacing_error=%.4f",
		r.Strategy, r.Utilization, r.ThresholdExceeded, r.TooManyRequests, r.Overshoot, r.InteractiveRefused, r.PacingError)
}

// Run simulates the day cfg describes and returns what it measured. It
// takes about (24h - cfg.Start) / cfg.Scale of real time, and returns early
// with ctx's error if ctx ends first.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	return runDay(ctx, cfg)
}
