package credits

import (
	"fmt"
	"strings"
)

// Edition is a Zoho Desk edition (plan tier). The zero value is not a valid
// edition: a Plan must name one.
type Edition int

// The editions, with the allotments of the credit model announced by Zoho in
// 2025 (see [Plan.Daily] and [Plan.Concurrency]).
const (
	Free Edition = iota + 1
	Express
	Standard
	Professional
	Enterprise
	// Bundle is Desk bought as part of Zoho One, CRM Plus or Service Plus.
	Bundle
)

type editionTerms struct {
	name        string
	base        int64
	perAgent    int64
	concurrency int
}

// editionTable is read-only after package initialisation.
var editionTable = map[Edition]editionTerms{
	Free:         {"Free", 5_000, 0, 5},
	Express:      {"Express", 25_000, 100, 10},
	Standard:     {"Standard", 50_000, 250, 10},
	Professional: {"Professional", 75_000, 500, 15},
	Enterprise:   {"Enterprise", 100_000, 1_000, 25},
	Bundle:       {"Bundle", 100_000, 1_000, 25},
}

// String returns the edition's name, or "Edition(n)" for an unknown value.
func (e Edition) String() string {
	if t, ok := editionTable[e]; ok {
		return t.name
	}
	return fmt.Sprintf("Edition(%d)", int(e))
}

// Valid reports whether e is one of the known editions.
func (e Edition) Valid() bool {
	_, ok := editionTable[e]
	return ok
}

// ParseEdition returns the edition named s, ignoring case. "zohoone",
// "crmplus" and "serviceplus" name [Bundle].
func ParseEdition(s string) (Edition, error) {
	key := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "_", "").Replace(s))
	switch key {
	case "zohoone", "crmplus", "serviceplus", "bundle", "zohobundle":
		return Bundle, nil
	}
	for e, t := range editionTable {
		if strings.ToLower(t.name) == key {
			return e, nil
		}
	}
	return 0, fmt.Errorf("credits: unknown edition %q: use one of free, express, standard, professional, enterprise, bundle: %w", s, ErrInvalidConfig)
}

// Plan is what the organisation bought: it fixes the day's allotment of
// credits and the portal's concurrency limit.
type Plan struct {
	Edition Edition
	// Agents is the number of full agents. Light agents add no credits.
	Agents int
	// LightAgents is recorded for reports only: light agents add no credits.
	LightAgents int
	// AddOn is the number of additional credits bought per day.
	AddOn int64
}

// Validate reports a plan that cannot describe an organisation: an unknown
// edition or a negative count. The error wraps [ErrInvalidConfig].
func (p Plan) Validate() error {
	if !p.Edition.Valid() {
		return fmt.Errorf("credits: plan has unknown edition %v: set Plan.Edition to one of Free, Express, Standard, Professional, Enterprise, Bundle: %w", p.Edition, ErrInvalidConfig)
	}
	if p.Agents < 0 {
		return fmt.Errorf("credits: plan has %d agents: the agent count cannot be negative: %w", p.Agents, ErrInvalidConfig)
	}
	if p.LightAgents < 0 {
		return fmt.Errorf("credits: plan has %d light agents: the count cannot be negative: %w", p.LightAgents, ErrInvalidConfig)
	}
	if p.AddOn < 0 {
		return fmt.Errorf("credits: plan has %d add-on credits: bought credits cannot be negative: %w", p.AddOn, ErrInvalidConfig)
	}
	return nil
}

// Daily returns the organisation's credits for one credit day: the
// edition's base credits, plus the edition's per-agent credits times Agents
// (light agents are not counted), plus AddOn. It returns 0 for a plan that
// does not [Plan.Validate].
func (p Plan) Daily() int64 {
	if p.Validate() != nil {
		return 0
	}
	t := editionTable[p.Edition]
	return t.base + t.perAgent*int64(p.Agents) + p.AddOn
}

// Concurrency returns how many calls the portal may have in flight at once
// (for all apps together). It returns 0 for an unknown edition.
func (p Plan) Concurrency() int {
	return editionTable[p.Edition].concurrency
}

// String describes the plan, e.g. "Professional, 40 agents, +10000 credits: 105000 credits/day, 15 concurrent".
func (p Plan) String() string {
	return fmt.Sprintf("%v, %d agents, +%d credits: %d credits/day, %d concurrent", p.Edition, p.Agents, p.AddOn, p.Daily(), p.Concurrency())
}
