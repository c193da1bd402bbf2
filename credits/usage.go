package credits

import (
	"context"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Usage is the credit usage report of one Governor for the current credit
// day. Amounts are in credits, or in requests when Mode is "legacy".
//
// Spent, OrgSpent, Held and the org figures come from the ledger and cover
// the day (and, with a shared ledger, the fleet); the per-route, per-job and
// per-priority figures, refusals, throttles and waits count what this
// Governor saw since it was created.
type Usage struct {
	At   time.Time `json:"at"`
	Day  Day       `json:"day"`
	Zone string    `json:"zone"`
	// Mode is the counting in effect, "credits" or "legacy";
	// ConfiguredMode is Config.Mode.
	Mode           string `json:"mode"`
	ConfiguredMode string `json:"configured_mode"`
	Plan           string `json:"plan"`
	Pacing         string `json:"pacing"`

	Allotment int64 `json:"allotment"`
	// Cap is the most the organisation may have spent before Interactive
	// calls are refused; Background calls stop InteractiveReserve (the
	// reserve now, prorated under Budget.ProrateReserve) plus OthersForecast
	// earlier.
	Cap                int64 `json:"cap"`
	InteractiveReserve int64 `json:"interactive_reserve"`
	// OthersForecast is what the other integrations are expected to spend
	// before the reset (Budget.ForecastOthers; 0 without it), kept from
	// Background calls and Even pacing.
	OthersForecast int64 `json:"others_forecast"`

	// Spent is what this ledger's callers were charged today.
	Spent int64 `json:"spent"`
	// OrgSpent is the inferred spend of the whole organisation today.
	OrgSpent int64 `json:"org_spent"`
	// Held is what calls in flight hold.
	Held int64 `json:"held"`
	// Remaining is Cap - OrgSpent - Held, at least 0.
	Remaining int64 `json:"remaining"`
	// OrgRemaining is the lowest remaining credits Desk reported today,
	// valid when HasOrgRemaining.
	OrgRemaining    int64     `json:"org_remaining"`
	HasOrgRemaining bool      `json:"has_org_remaining"`
	Reset           time.Time `json:"reset"`
	StoppedUntil    time.Time `json:"stopped_until,omitzero"`

	ConcurrencyLimit int `json:"concurrency_limit"`
	ConcurrencyMax   int `json:"concurrency_max"`
	InFlight         int `json:"in_flight"`
	Queued           int `json:"queued"`

	Routes     []RouteUsage    `json:"routes"`
	Jobs       []JobUsage      `json:"jobs"`
	Priorities []PriorityUsage `json:"priorities"`

	Refusals  RefusalCounts  `json:"refusals"`
	Throttles ThrottleCounts `json:"throttles"`
	Waits     int64          `json:"waits"`
	// WaitTime is the total planned time of pacing, stop and reset waits
	// plus the measured time of concurrency waits.
	WaitTime       time.Duration `json:"wait_time_ns"`
	HeaderProblems int64         `json:"header_problems"`
	LedgerErrors   int64         `json:"ledger_errors"`
	ModeChanges    int64         `json:"mode_changes"`

	// BurnRate is the organisation's average spend per hour since the day
	// began (OrgSpent over the time elapsed, at least one minute).
	BurnRate float64 `json:"burn_rate_per_hour"`
	// ProjectedExhaustion is when Remaining runs out at BurnRate; zero when
	// that would be at or after Reset (or nothing is being spent). It is At
	// when nothing remains.
	ProjectedExhaustion time.Time `json:"projected_exhaustion,omitzero"`

	// LedgerError describes why the ledger figures are missing, if they are.
	LedgerError string `json:"ledger_error,omitempty"`
}

// RouteUsage is what one route was charged.
type RouteUsage struct {
	Route string `json:"route"`
	// Calls settled; Charged credits for them; Estimated, the sum of their
	// estimates.
	Calls     int64 `json:"calls"`
	Charged   int64 `json:"charged"`
	Estimated int64 `json:"estimated"`
	// Metered calls had a weight header: their estimates and weights give
	// Drift = (MeteredActual - MeteredEstimated) / MeteredEstimated, the
	// relative error of the estimates (positive: Desk charged more).
	Metered          int64   `json:"metered"`
	MeteredEstimated int64   `json:"metered_estimated"`
	MeteredActual    int64   `json:"metered_actual"`
	Drift            float64 `json:"drift"`
	// Factor is the cost model's learnt ratio of weight to table cost.
	Factor   float64 `json:"factor"`
	Released int64   `json:"released"`
	Refused  int64   `json:"refused"`
}

// JobUsage is what one job spent since the Governor was created.
type JobUsage struct {
	Name    string `json:"name"`
	Cap     int64  `json:"cap"`
	Spent   int64  `json:"spent"`
	Held    int64  `json:"held"`
	Calls   int64  `json:"calls"`
	Refused int64  `json:"refused"`
}

// PriorityUsage is what calls of one priority did.
type PriorityUsage struct {
	Priority string `json:"priority"`
	Admitted int64  `json:"admitted"`
	Charged  int64  `json:"charged"`
	Refused  int64  `json:"refused"`
}

// RefusalCounts counts refusals by reason.
type RefusalCounts struct {
	Budget    int64 `json:"budget"`
	JobCap    int64 `json:"job_cap"`
	Threshold int64 `json:"threshold"`
}

// ThrottleCounts counts Desk's 429 answers by code.
type ThrottleCounts struct {
	Threshold   int64 `json:"threshold_exceeded"`
	Concurrency int64 `json:"too_many_requests"`
}

// Usage returns the usage report now. When the ledger cannot be read, the
// ledger figures are zero and LedgerError says why; see [Governor.UsageContext].
func (g *Governor) Usage() Usage {
	u, _ := g.UsageContext(context.Background())
	return u
}

// UsageContext is Usage bounded by ctx (the ledger may be remote). The
// report is returned even with an error, without the ledger figures.
func (g *Governor) UsageContext(ctx context.Context) (Usage, error) {
	now := g.clock.Now()
	di := g.dayAt(now)
	legacy := g.legacy.Load()
	u := Usage{
		At: now, Day: di.day, Zone: g.zone.String(), Mode: "credits", ConfiguredMode: g.mode.String(),
		Plan: g.plan.String(), Pacing: g.pacing.String(), Allotment: g.allotmentNow(),
		Cap: g.limitAt(Interactive, now, di), Reset: di.reset,
	}
	u.InteractiveReserve = u.Cap - g.limitAt(Background, now, di)
	if !legacy {
		u.OthersForecast = g.othersFc.Load()
		u.InteractiveReserve -= u.OthersForecast
	}
	if legacy {
		u.Mode = "legacy"
	}
	snap, err := g.ledger.Snapshot(ctx, di.day)
	if err != nil {
		err = fmt.Errorf("credits: reading usage: %w: %w", ErrLedgerUnavailable, err)
		u.LedgerError = err.Error()
	} else {
		u.Spent, u.OrgSpent, u.Held = snap.Spent, snap.OrgSpent, snap.Held
		u.OrgRemaining, u.HasOrgRemaining = snap.LowestRemaining, snap.HasRemaining
		if snap.StoppedUntil.After(now) {
			u.StoppedUntil = snap.StoppedUntil
		}
	}
	if su := g.stopUntil.Load(); su > now.UnixNano() && time.Unix(0, su).After(u.StoppedUntil) {
		u.StoppedUntil = time.Unix(0, su)
	}
	u.Remaining = max(u.Cap-u.OrgSpent-u.Held, 0)
	u.ConcurrencyLimit, u.ConcurrencyMax, u.InFlight, u.Queued = g.slots.state()

	for _, rs := range g.sortedRoutes() {
		ru := RouteUsage{Route: rs.route, Calls: rs.calls.Load(), Charged: rs.charged.Load(), Estimated: rs.estimated.Load(),
			Metered: rs.metered.Load(), MeteredEstimated: rs.mEst.Load(), MeteredActual: rs.mActual.Load(),
			Released: rs.released.Load(), Refused: rs.refused.Load(), Factor: 1}
		if ru.Calls == 0 && ru.Released == 0 && ru.Refused == 0 {
			continue // estimated but never sent
		}
		if ru.MeteredEstimated > 0 {
			ru.Drift = float64(ru.MeteredActual-ru.MeteredEstimated) / float64(ru.MeteredEstimated)
		}
		if f := rs.factor.Load(); f != 0 {
			ru.Factor = math.Float64frombits(f)
		}
		u.Routes = append(u.Routes, ru)
	}
	for _, js := range g.jobsSorted() {
		js.mu.Lock()
		ju := JobUsage{Name: js.name, Cap: js.lastCap.Load(), Spent: js.spent, Held: js.held, Calls: js.calls.Load(), Refused: js.refused.Load()}
		js.mu.Unlock()
		u.Jobs = append(u.Jobs, ju)
	}
	for i, p := range []Priority{Interactive, Background} {
		s := &g.prio[i]
		u.Priorities = append(u.Priorities, PriorityUsage{Priority: p.String(), Admitted: s.admitted.Load(), Charged: s.charged.Load(), Refused: s.refused.Load()})
	}
	u.Refusals = RefusalCounts{Budget: g.refusedBudget.Load(), JobCap: g.refusedJob.Load(), Threshold: g.refusedStop.Load()}
	u.Throttles = ThrottleCounts{Threshold: g.throttleStop.Load(), Concurrency: g.throttleConc.Load()}
	u.Waits, u.WaitTime = g.waits.Load(), time.Duration(g.waitNanos.Load())
	u.HeaderProblems, u.LedgerErrors, u.ModeChanges = g.headerProblems.Load(), g.ledgerErrors.Load(), g.modeChanges.Load()

	elapsed := max(now.Sub(di.start), time.Minute)
	u.BurnRate = float64(u.OrgSpent) / elapsed.Hours()
	switch {
	case u.Remaining <= 0:
		u.ProjectedExhaustion = now
	case u.BurnRate > 0:
		t := now.Add(time.Duration(float64(u.Remaining) / u.BurnRate * float64(time.Hour)))
		if t.Before(di.reset) {
			u.ProjectedExhaustion = t
		}
	}
	return u, err
}

func (g *Governor) sortedRoutes() []*routeState {
	cur := *g.costs.routes.Load()
	out := make([]*routeState, 0, len(cur))
	for _, rs := range cur {
		out = append(out, rs)
	}
	sortRoutes(out)
	return out
}

func sortRoutes(rs []*routeState) {
	for i := 1; i < len(rs); i++ { // insertion sort: a few dozen routes
		for j := i; j > 0 && rs[j].route < rs[j-1].route; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// String prints the report as a plain-text table.
func (u Usage) String() string {
	var b strings.Builder
	unit := "credits"
	if u.Mode == "legacy" {
		unit = "requests"
	}
	fmt.Fprintf(&b, "credit day %s (%s), reset %s, mode %s, pacing %s\n", u.Day, u.Zone, u.Reset.Format(time.RFC3339), u.Mode, u.Pacing)
	fmt.Fprintf(&b, "plan: %s\n", u.Plan)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tallotment\tcap\treserve\tspent\torg spent\theld\tremaining\t\n", unit)
	fmt.Fprintf(tw, "\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", u.Allotment, u.Cap, u.InteractiveReserve, u.Spent, u.OrgSpent, u.Held, u.Remaining)
	tw.Flush()
	if u.OthersForecast > 0 {
		fmt.Fprintf(&b, "%d left out of the cap for what other integrations are expected to spend before the reset\n", u.OthersForecast)
	}
	if u.HasOrgRemaining {
		fmt.Fprintf(&b, "Desk reports %d remaining for the organisation\n", u.OrgRemaining)
	}
	if !u.StoppedUntil.IsZero() {
		fmt.Fprintf(&b, "STOPPED by THRESHOLD_EXCEEDED until %s\n", u.StoppedUntil.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "burn rate %.1f/h", u.BurnRate)
	if !u.ProjectedExhaustion.IsZero() {
		fmt.Fprintf(&b, ", exhausted at %s", u.ProjectedExhaustion.Format(time.RFC3339))
	} else {
		b.WriteString(", lasts until the reset")
	}
	fmt.Fprintf(&b, "\nconcurrency %d/%d (max %d), queued %d\n", u.InFlight, u.ConcurrencyLimit, u.ConcurrencyMax, u.Queued)
	fmt.Fprintf(&b, "refusals: budget %d, job cap %d, threshold %d; throttles: threshold %d, too many %d; waits %d (%v); header problems %d\n",
		u.Refusals.Budget, u.Refusals.JobCap, u.Refusals.Threshold, u.Throttles.Threshold, u.Throttles.Concurrency, u.Waits, u.WaitTime, u.HeaderProblems)
	if u.LedgerError != "" {
		fmt.Fprintf(&b, "ledger error: %s\n", u.LedgerError)
	}
	if len(u.Routes) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "route\tcalls\tcharged\testimated\tdrift\trefused\treleased\t")
		for _, r := range u.Routes {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%+.1f%%\t%d\t%d\t\n", r.Route, r.Calls, r.Charged, r.Estimated, r.Drift*100, r.Refused, r.Released)
		}
		tw.Flush()
	}
	if len(u.Jobs) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "job\tcap\tspent\theld\tcalls\trefused\t")
		for _, j := range u.Jobs {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", j.Name, j.Cap, j.Spent, j.Held, j.Calls, j.Refused)
		}
		tw.Flush()
	}
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "priority\tadmitted\tcharged\trefused\t")
	for _, p := range u.Priorities {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", p.Priority, p.Admitted, p.Charged, p.Refused)
	}
	tw.Flush()
	return b.String()
}
