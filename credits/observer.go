package credits

import (
	"context"
	"log/slog"
	"time"
)

// Observer receives the Governor's state changes, for logs and metrics.
// Every field is optional: a nil callback falls back to logging through the
// Governor's slog.Logger (admits, settles and waits at Debug, refusals,
// throttles, resets, mode changes and header problems at Info or Warn). To
// silence a callback, set it to a function that does nothing.
//
// Callbacks run synchronously on the goroutine of the call they describe
// and are never called while the Governor holds a lock, so a callback may
// call back into the Governor (Usage, Estimate, even Admit). They should be
// quick: a slow callback slows the call.
type Observer struct {
	OnAdmit         func(AdmitEvent)
	OnWait          func(WaitEvent)
	OnRefuse        func(*Refusal)
	OnSettle        func(SettleEvent)
	OnThrottle      func(ThrottleEvent)
	OnReset         func(ResetEvent)
	OnModeChange    func(ModeChangeEvent)
	OnHeaderProblem func(HeaderProblem)
	// OnLedgerError reports a ledger failure outside Admit (Settle, Release,
	// Stop, Observe, Snapshot): those calls cannot return it.
	OnLedgerError func(error)
}

// AdmitEvent describes an admitted attempt.
type AdmitEvent struct {
	Route    string
	Job      string
	Priority Priority
	Day      Day
	Estimate int64
	// Waited is the time spent in pacing, concurrency and reset waits.
	Waited time.Duration
}

// Reasons a call waits, in WaitEvent.Reason.
const (
	WaitPacing      = "pacing"
	WaitConcurrency = "concurrency"
	WaitReset       = "reset" // OnExhausted: WaitForReset, budget spent
	WaitStop        = "stop"  // OnExhausted: WaitForReset, THRESHOLD_EXCEEDED stop
)

// WaitEvent is sent before a call waits.
type WaitEvent struct {
	Route    string
	Reason   string
	Estimate int64
	// Delay is the planned wait; 0 when unknown (a concurrency slot).
	Delay time.Duration
}

// SettleEvent describes a settled or released permit.
type SettleEvent struct {
	Route    string
	Job      string
	Priority Priority
	Estimate int64
	// Charged is what the ledger was charged: the weight Desk reported, or
	// the estimate without one; 0 for a release.
	Charged   int64
	HasWeight bool
	Remaining int64
	// HasRemaining tells whether Remaining came from the response.
	HasRemaining bool
	Status       int
	Code         string
	Released     bool
}

// ThrottleEvent describes a 429 from Desk.
type ThrottleEvent struct {
	Code   string
	Status int
	// ConcurrencyLimit is the Governor's limit after the event.
	ConcurrencyLimit int
	// StoppedUntil is the end of the organisation's stop (THRESHOLD_EXCEEDED).
	StoppedUntil time.Time
}

// ResetEvent is sent when the Governor enters a new credit day.
type ResetEvent struct {
	Previous Day
	Day      Day
	At       time.Time
	// ServerMade is true when Desk's remaining credits jumped up and the
	// credit day was realigned to follow Desk; Shift is the new offset of
	// the day boundary from local midnight.
	ServerMade bool
	Shift      time.Duration
}

// ModeChangeEvent is sent when ModeAuto switches between counting credits
// and counting requests.
type ModeChangeEvent struct {
	From, To Mode
	Reason   string
}

// resolve fills every nil callback with one that logs through log.
func (o Observer) resolve(log *slog.Logger) Observer {
	bg := context.Background()
	debug := func(msg string, attrs ...slog.Attr) {
		if log.Enabled(bg, slog.LevelDebug) {
			log.LogAttrs(bg, slog.LevelDebug, msg, attrs...)
		}
	}
	if o.OnAdmit == nil {
		o.OnAdmit = func(e AdmitEvent) {
			debug("credits: admit", slog.String("route", e.Route), slog.Int64("estimate", e.Estimate), slog.String("priority", e.Priority.String()), slog.String("job", e.Job), slog.Duration("waited", e.Waited))
		}
	}
	if o.OnWait == nil {
		o.OnWait = func(e WaitEvent) {
			debug("credits: wait", slog.String("route", e.Route), slog.String("reason", e.Reason), slog.Duration("delay", e.Delay))
		}
	}
	if o.OnSettle == nil {
		o.OnSettle = func(e SettleEvent) {
			debug("credits: settle", slog.String("route", e.Route), slog.Int64("estimate", e.Estimate), slog.Int64("charged", e.Charged), slog.Bool("released", e.Released), slog.Int("status", e.Status))
		}
	}
	if o.OnRefuse == nil {
		o.OnRefuse = func(r *Refusal) {
			log.LogAttrs(bg, slog.LevelInfo, "credits: refused", slog.String("error", r.Error()))
		}
	}
	if o.OnThrottle == nil {
		o.OnThrottle = func(e ThrottleEvent) {
			log.LogAttrs(bg, slog.LevelWarn, "credits: throttled by Desk", slog.String("code", e.Code), slog.Int("concurrency_limit", e.ConcurrencyLimit), slog.Time("stopped_until", e.StoppedUntil))
		}
	}
	if o.OnReset == nil {
		o.OnReset = func(e ResetEvent) {
			log.LogAttrs(bg, slog.LevelInfo, "credits: new credit day", slog.String("day", string(e.Day)), slog.String("previous", string(e.Previous)), slog.Bool("server_made", e.ServerMade), slog.Duration("shift", e.Shift))
		}
	}
	if o.OnModeChange == nil {
		o.OnModeChange = func(e ModeChangeEvent) {
			log.LogAttrs(bg, slog.LevelWarn, "credits: mode changed", slog.String("from", e.From.String()), slog.String("to", e.To.String()), slog.String("reason", e.Reason))
		}
	}
	if o.OnHeaderProblem == nil {
		o.OnHeaderProblem = func(p HeaderProblem) {
			log.LogAttrs(bg, slog.LevelWarn, "credits: untrusted header", slog.String("header", p.Header), slog.String("value", truncate(p.Value, 40)), slog.String("reason", p.Reason))
		}
	}
	if o.OnLedgerError == nil {
		o.OnLedgerError = func(err error) {
			log.LogAttrs(bg, slog.LevelError, "credits: ledger error", slog.String("error", err.Error()))
		}
	}
	return o
}
