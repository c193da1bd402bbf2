package credits

import "strconv"

// Pacing says how the Governor spreads spending over the credit day.
// The zero value means Asap.
type Pacing int

const (
	// Asap spends as fast as work arrives, stopping only at the caps.
	Asap Pacing = iota + 1
	// Even spreads what is left of the budget over what is left of the day.
	Even
)

// ExhaustedPolicy says what the Governor does with a call the budget cannot
// afford. The zero value means Fail.
type ExhaustedPolicy int

const (
	// Fail refuses the call at once with ErrBudgetExhausted.
	Fail ExhaustedPolicy = iota + 1
	// WaitForReset waits for the next credit day, bounded by the context.
	WaitForReset
)

// Mode says whether the organisation is charged in credits or counted in
// requests (the grandfathered limits). The zero value means ModeAuto.
type Mode int

const (
	// ModeAuto starts in credits and switches to legacy counting when
	// responses carry no credit headers.
	ModeAuto Mode = iota + 1
	// ModeCredits always counts credits.
	ModeCredits
	// ModeLegacy always counts requests against LegacyLimits.
	ModeLegacy
)

// LegacyLimits are the request-count limits of an organisation not yet moved
// to credits. Zoho does not publish them reliably; take them from the org's
// Developer Space.
type LegacyLimits struct {
	PerMinute int
	PerDay    int
}

// Budget is how much of the organisation's day the client may spend and how.
type Budget struct {
	// Cap is the most the organisation may have spent (all integrations
	// together, as far as this client can tell) before this client stops: a
	// fraction of the plan's allotment when 0 < Cap <= 1, or an absolute
	// number of credits, at most the allotment, when Cap > 1.
	// Zero means 1 (the whole allotment).
	Cap float64
	// InteractiveReserve is the fraction of the cap (0 <= r < 1) that
	// Background calls may not spend.
	InteractiveReserve float64
	Pacing             Pacing
	OnExhausted        ExhaustedPolicy
}

// String returns "asap", "even", or "Pacing(n)"; the zero value reads "asap".
func (p Pacing) String() string {
	switch p {
	case 0, Asap:
		return "asap"
	case Even:
		return "even"
	}
	return "Pacing(" + itoa(int64(p)) + ")"
}

// String returns "fail", "wait-for-reset", or "ExhaustedPolicy(n)"; the zero
// value reads "fail".
func (e ExhaustedPolicy) String() string {
	switch e {
	case 0, Fail:
		return "fail"
	case WaitForReset:
		return "wait-for-reset"
	}
	return "ExhaustedPolicy(" + itoa(int64(e)) + ")"
}

// String returns "auto", "credits", "legacy", or "Mode(n)"; the zero value
// reads "auto".
func (m Mode) String() string {
	switch m {
	case 0, ModeAuto:
		return "auto"
	case ModeCredits:
		return "credits"
	case ModeLegacy:
		return "legacy"
	}
	return "Mode(" + itoa(int64(m)) + ")"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
