package credits

import "strconv"

// Pacing says how the Governor spreads spending over the credit day.
// The zero value means Asap.
type Pacing int

const (
	// Asap spends as fast as work arrives, stopping only at the caps.
	Asap Pacing = iota + 1
	// Even spreads what is left of the budget over what is left of the day:
	// each call waits for its estimate in a token bucket whose rate is the
	// credits left under the cap (less Budget.ForecastOthers' forecast) over
	// the time left to the reset. Calls explicitly marked Interactive with
	// WithPriority take their tokens without waiting.
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
	// Background calls may not spend (but see ProrateReserve).
	InteractiveReserve float64
	Pacing             Pacing
	OnExhausted        ExhaustedPolicy

	// ForecastOthers leaves room for what the organisation's other
	// integrations are expected to spend for the rest of the credit day.
	// Without it, everything the organisation has not spent yet counts as
	// this client's to spend, including the share the others spend later:
	// Asap takes it early and Even spends too fast, and the others (or this
	// client's own late calls) then meet THRESHOLD_EXCEEDED.
	//
	// The others' spend so far is OrgSpent - Spent of the ledger (learnt from
	// Desk's remaining header, re-read every Config.LedgerRefresh). Their
	// rate is that spend over the time it took, measured two ways, from the
	// start of the credit day and from the first reading of the day (for a
	// client that started after others began their day's work), each over at
	// least a minute. Each rate, times the time left to the reset, gives a
	// projection F, raised to an upper bound
	//
	//	F + 2 × sqrt(F × J × (1 + F/seen))
	//
	// where J is the largest rise of the others' spend between two readings
	// and seen is the spend the rate was measured on: the spread of a sum of
	// calls of up to J credits arriving at random (F × J), and of a rate
	// measured on little data (F²×J/seen, large early in the day or after a
	// start); J is also raised to the spread (variance over mean) of the
	// others' spend per minute once a few minutes were seen, which is larger
	// when their calls come in runs. The forecast is the larger bound plus
	// J, so that the others' next burst fits even at the end of the day.
	//
	// Under Asap pacing the margin is 4 standard deviations instead of 2
	// (the factor 2 above becomes 4) in the forecast kept from Background
	// calls. Asap spends what the limit allows as soon as it allows it, and
	// spent credits do not come back, so the client stays committed to the
	// smallest room the forecast ever left the others: the bound has to
	// hold at every moment of the day at once, including when the others
	// spend faster late in the day than early, not only at one moment. Even
	// pacing stays behind the limit until near the reset and keeps 2. The
	// wider band costs Asap at most a few tens of credits at the reset,
	// where F is small.
	//
	// The forecast is kept from Background calls: they are refused once the
	// organisation's spend plus the forecast plus the interactive reserve
	// would pass the cap. Even pacing spreads over the rest of the day what
	// the cap leaves after the projection F (the larger one, plus J, without
	// the margin): this client's own unspent share covers the others' spread
	// until near the reset, where the Background limit takes over. Interactive
	// calls are limited by the cap alone, as without the option: the
	// interactive reserve, not the others' share, is what keeps them from
	// being refused. The invariants of the cap hold as before, with the
	// forecast part of the Background limit (Governor.Limit).
	//
	// The forecast only knows what it has seen: others that spend in a few
	// large bursts at unknown times, or far more late in the day than early,
	// can still be squeezed. It applies to credits only, not to legacy
	// request counting (which has no remaining header to learn from).
	ForecastOthers bool
	// ProrateReserve lets Background calls spend the interactive reserve as
	// the day passes: at an instant with a fraction f of the credit day left,
	// the reserve is
	//
	//	min(R, max(ceil(f × R), I))
	//
	// where R is InteractiveReserve of the cap and I is the forecast of this
	// client's own Interactive spend for the rest of the day (the estimator
	// of ForecastOthers applied to the credits Interactive calls were
	// charged today, measured from the first reading of the day). So the
	// reserve still covers the interactive work expected until the reset,
	// and no more than R is ever held back; at the reset it is about I, the
	// largest interactive burst, instead of all of R. Background calls never
	// take the reserve as defined here; Interactive calls are never refused
	// while it holds. The reserve is re-computed every Config.LedgerRefresh.
	// In legacy request counting the reserve is not prorated.
	ProrateReserve bool
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
