package credits

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
