// Command quickstart lists and reads tickets through the real client and
// prints what each call cost in credits and what is left today.
//
// With no environment it starts the fake Desk server of package desktest in
// this process, so it runs with no account. With ZOHODESK_ORG_ID,
// ZOHODESK_DC, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN set
// it talks to the real Zoho Desk instead, through the same code path
// (ZOHODESK_EDITION and ZOHODESK_AGENTS describe the plan; Professional with
// 10 agents by default).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
	"github.com/go-zohodesk/zohodesk/internal/exampleenv"
)

func main() {
	log.SetFlags(0)
	if err := run(os.Stdout); err != nil {
		log.Fatalf("quickstart: %v", err)
	}
}

func run(out io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cfg, cleanup, err := config(out)
	if err != nil {
		return err
	}
	defer cleanup()
	c, err := desk.NewClient(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "plan: %v\n\n", cfg.Plan)

	tickets, resp, err := c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 5}})
	if err != nil {
		return fmt.Errorf("listing tickets: %w", err)
	}
	report(out, "GET /tickets?limit=5", resp)
	for _, t := range tickets {
		fmt.Fprintf(out, "  #%-6s %-10s %s\n", t.TicketNumber, t.Status, t.Subject)
	}
	for _, t := range tickets[:min(3, len(tickets))] {
		full, resp, err := c.Tickets.Get(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("reading ticket %s: %w", t.ID, err)
		}
		report(out, "GET /tickets/"+full.ID, resp)
	}
	_, resp, err = c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{From: 2500, Limit: 5}})
	switch {
	case err == nil:
		report(out, "GET /tickets?from=2500&limit=5 (a deep page costs more)", resp)
	case errors.Is(err, credits.ErrBudgetExhausted):
		fmt.Fprintln(out, "the budget refused a deep page before sending it:", err)
	default:
		return fmt.Errorf("listing a deep page: %w", err)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, c.Usage())
	return nil
}

func report(out io.Writer, call string, resp *desk.Response) {
	cr := resp.Credits
	weight, remaining := "?", "?"
	if cr.HasWeight {
		weight = strconv.FormatInt(cr.Weight, 10)
	}
	if cr.HasRemaining {
		remaining = strconv.FormatInt(cr.Remaining, 10)
	}
	fmt.Fprintf(out, "%-58s estimated %3d, cost %3s credits, %s left today\n", call, cr.Estimate, weight, remaining)
}

// config returns a configuration for the real Desk when the environment
// names an org, and for an in-process fake Desk otherwise.
func config(out io.Writer) (desk.Config, func(), error) {
	org, ok, err := exampleenv.RealOrg()
	if err != nil {
		return desk.Config{}, nil, err
	}
	if !ok {
		srv := desktest.NewServer(desktest.Options{})
		fmt.Fprintln(out, "no ZOHODESK_ORG_ID: running against the fake Desk server at", srv.URL())
		return srv.ClientConfig(), srv.Close, nil
	}
	return org, func() {}, nil
}
