package credits_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestUsageReport(t *testing.T) {
	g, fc := newGov(t, credits.Config{Budget: credits.Budget{Cap: 1_000, InteractiveReserve: 0.1}})
	fc.Set(t0.Add(2 * time.Hour))
	ctx := credits.WithJob(context.Background(), credits.Job{Name: "sync", Cap: 500})
	for range 10 {
		p, err := g.Admit(ctx, getList)
		if err != nil {
			t.Fatal(err)
		}
		p.Settle(ok200(6)) // Desk charges twice the table
	}
	p, _ := g.Admit(credits.WithPriority(context.Background(), credits.Background), getOne)
	p.Release()
	u := g.Usage()
	if u.Spent != 60 || u.Cap != 1_000 || u.InteractiveReserve != 100 || u.Remaining != 940 || len(u.Jobs) != 1 || u.Jobs[0].Spent != 60 {
		t.Fatalf("usage %+v", u)
	}
	var list credits.RouteUsage
	for _, r := range u.Routes {
		if r.Route == "GET /tickets" {
			list = r
		}
	}
	// The first call was estimated at 3 and charged 6; later ones at 6.
	if list.Calls != 10 || list.Charged != 60 || list.Estimated != 57 || list.Drift <= 0 || list.Metered != 10 {
		t.Errorf("route %+v", list)
	}
	// 60 credits in 2 hours: 30/h, and 940 left last past the reset.
	if u.BurnRate != 30 || !u.ProjectedExhaustion.IsZero() {
		t.Errorf("burn %v exhaustion %v", u.BurnRate, u.ProjectedExhaustion)
	}
	for range 150 {
		p, _ := g.Admit(context.Background(), getList)
		p.Settle(ok200(6))
	}
	// 960 in 2 hours: 480/h, 40 left: exhausted 5 minutes from now.
	if u := g.Usage(); u.BurnRate != 480 || !u.ProjectedExhaustion.Equal(fc.Now().Add(5*time.Minute)) {
		t.Errorf("burn %v exhaustion %v", u.BurnRate, u.ProjectedExhaustion)
	}
	s := u.String()
	for _, want := range []string{"2025-10-06", "GET /tickets", "sync", "background", "remaining"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var back credits.Usage
	if err := json.Unmarshal(b, &back); err != nil || back.Spent != u.Spent || len(back.Routes) != len(u.Routes) || back.Day != u.Day {
		t.Errorf("JSON round trip: %v\n%s", err, b)
	}
}
