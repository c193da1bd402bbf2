package credits_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/internal/clock"
)

func ExampleNewGovernor() {
	g, err := credits.NewGovernor(credits.Config{
		Plan:   credits.Plan{Edition: credits.Professional, Agents: 40, AddOn: 10_000},
		Budget: credits.Budget{Cap: 0.8, InteractiveReserve: 0.1},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	call := credits.Call{Method: "GET", Path: "/tickets", Query: map[string][]string{"from": {"0"}, "limit": {"100"}}}
	p, err := g.Admit(context.Background(), call)
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... send the request; then settle with what the response said.
	p.Settle(credits.Observation{Status: 200, Weight: 3, HasWeight: true, Remaining: 104_997, HasRemaining: true})
	fmt.Println("estimate", p.Estimate(), "cap", g.Limit(credits.Interactive), "background cap", g.Limit(credits.Background))
	// Output: estimate 3 cap 84000 background cap 75600
}

func ExampleWithJob() {
	g, _ := credits.NewGovernor(credits.Config{Plan: credits.Plan{Edition: credits.Free}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := credits.WithJob(context.Background(), credits.Job{Name: "nightly-export", Cap: 7})
	for i := range 3 {
		p, err := g.Admit(ctx, credits.Call{Method: "GET", Path: "/tickets"})
		if errors.Is(err, credits.ErrJobCapReached) {
			fmt.Println("call", i, "refused:", err)
			break
		}
		p.Settle(credits.Observation{Status: 200, Weight: 3, HasWeight: true})
		fmt.Println("call", i, "admitted")
	}
	// Output:
	// call 0 admitted
	// call 1 admitted
	// call 2 refused: credits: job credit cap reached: GET /tickets needs 3 credits, 1 available (job "nightly-export")
}

func ExampleWithPriority() {
	g, _ := credits.NewGovernor(credits.Config{
		Plan:   credits.Plan{Edition: credits.Free}, // 5,000 credits
		Budget: credits.Budget{Cap: 10, InteractiveReserve: 0.5},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	one := credits.Call{Method: "GET", Path: "/tickets/1"}
	batch := credits.WithPriority(context.Background(), credits.Background)
	n := 0
	for {
		p, err := g.Admit(batch, one)
		if err != nil {
			break
		}
		p.Settle(credits.Observation{Status: 200, Weight: 1, HasWeight: true})
		n++
	}
	fmt.Println("background calls:", n)
	p, err := g.Admit(context.Background(), one) // Interactive by default
	fmt.Println("interactive admitted:", err == nil)
	p.Release()
	// Output:
	// background calls: 5
	// interactive admitted: true
}

func ExampleGovernor_Usage() {
	start := time.Date(2025, 10, 6, 6, 0, 0, 0, time.UTC)
	g, _ := credits.NewGovernor(credits.Config{
		Plan:   credits.Plan{Edition: credits.Standard, Agents: 4},
		Clock:  clock.New(start),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	p, _ := g.Admit(context.Background(), credits.Call{Method: "GET", Path: "/tickets/42"})
	p.Settle(credits.Observation{Status: 200, Weight: 1, HasWeight: true, Remaining: 50_000, HasRemaining: true})
	u := g.Usage()
	fmt.Println(u.Day, u.Allotment, u.Spent, u.OrgSpent, u.Remaining)
	fmt.Println(u.Routes[0].Route, u.Routes[0].Calls, u.Routes[0].Charged)
	// Output:
	// 2025-10-06 51000 1 1000 50000
	// GET /tickets/{id} 1 1
}
