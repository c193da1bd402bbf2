package credits_test

import (
	"errors"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestPlanDailyAndConcurrency(t *testing.T) {
	tests := []struct {
		plan        credits.Plan
		daily       int64
		concurrency int
	}{
		{credits.Plan{Edition: credits.Free}, 5_000, 5},
		{credits.Plan{Edition: credits.Free, Agents: 3}, 5_000, 5}, // no per-agent credits
		{credits.Plan{Edition: credits.Express, Agents: 10}, 25_000 + 1_000, 10},
		{credits.Plan{Edition: credits.Standard, Agents: 4}, 50_000 + 1_000, 10},
		{credits.Plan{Edition: credits.Professional, Agents: 40, AddOn: 10_000}, 75_000 + 20_000 + 10_000, 15},
		{credits.Plan{Edition: credits.Enterprise, Agents: 2}, 100_000 + 2_000, 25},
		{credits.Plan{Edition: credits.Bundle, Agents: 1}, 101_000, 25},
		// Light agents add nothing.
		{credits.Plan{Edition: credits.Enterprise, Agents: 2, LightAgents: 500}, 102_000, 25},
		{credits.Plan{Edition: credits.Professional, LightAgents: 7}, 75_000, 15},
		// Invalid plans.
		{credits.Plan{}, 0, 0},
		{credits.Plan{Edition: 99}, 0, 0},
		{credits.Plan{Edition: credits.Standard, Agents: -1}, 0, 10},
	}
	for _, tt := range tests {
		t.Run(tt.plan.String(), func(t *testing.T) {
			if got := tt.plan.Daily(); got != tt.daily {
				t.Errorf("Daily() = %d, want %d", got, tt.daily)
			}
			if got := tt.plan.Concurrency(); got != tt.concurrency {
				t.Errorf("Concurrency() = %d, want %d", got, tt.concurrency)
			}
		})
	}
}

func TestPlanValidate(t *testing.T) {
	bad := []credits.Plan{
		{},
		{Edition: 42},
		{Edition: credits.Free, Agents: -1},
		{Edition: credits.Free, LightAgents: -1},
		{Edition: credits.Free, AddOn: -1},
	}
	for _, p := range bad {
		if err := p.Validate(); !errors.Is(err, credits.ErrInvalidConfig) {
			t.Errorf("%+v: Validate() = %v, want ErrInvalidConfig", p, err)
		}
	}
	if err := (credits.Plan{Edition: credits.Express, Agents: 3}).Validate(); err != nil {
		t.Errorf("valid plan: %v", err)
	}
}

func TestParseEdition(t *testing.T) {
	tests := map[string]credits.Edition{
		"free": credits.Free, "Express": credits.Express, "STANDARD": credits.Standard,
		"professional": credits.Professional, "Enterprise": credits.Enterprise,
		"Zoho One": credits.Bundle, "crm-plus": credits.Bundle, "service_plus": credits.Bundle, "bundle": credits.Bundle,
	}
	for in, want := range tests {
		got, err := credits.ParseEdition(in)
		if err != nil || got != want {
			t.Errorf("ParseEdition(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := credits.ParseEdition("platinum"); !errors.Is(err, credits.ErrInvalidConfig) {
		t.Errorf("ParseEdition(platinum) error = %v, want ErrInvalidConfig", err)
	}
	if s := credits.Edition(77).String(); s != "Edition(77)" {
		t.Errorf("unknown edition String() = %q", s)
	}
}
