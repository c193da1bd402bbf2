package desk_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
)

// The examples run on the fake Desk server of package desktest, whose
// organisation is generated from a seed, so their output is stable. Against
// a real organisation, configure the client as in ExampleNewClient's
// comment.

// Create a client and list tickets, reading what the call cost.
func ExampleNewClient() {
	// For a real organisation:
	//
	//	c, err := desk.NewClient(desk.Config{
	//		DataCenter:  desk.EU,
	//		OrgID:       "60001234567",
	//		TokenSource: desk.RefreshToken(desk.EU, clientID, clientSecret, refreshToken),
	//		Plan:        credits.Plan{Edition: credits.Professional, Agents: 40},
	//		Budget:      credits.Budget{Cap: 0.8},
	//	})
	srv := desktest.NewServer(desktest.Options{Seed: 42, Tickets: 120})
	defer srv.Close()
	cfg := srv.ClientConfig() // BaseURL, OrgID, a token, the plan
	cfg.Budget = credits.Budget{Cap: 0.8}
	c, err := desk.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	tickets, resp, err := c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 3}})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tickets {
		fmt.Printf("#%s %-9s %s\n", t.TicketNumber, t.Status, t.Subject)
	}
	fmt.Printf("estimated %d credits, charged %d, %d left today\n",
		resp.Credits.Estimate, resp.Credits.Weight, resp.Credits.Remaining)
	// Output:
	// #101 Closed    How do I add a user?
	// #102 Closed    Password reset email never arrives
	// #103 Escalated Unable to log in
	// estimated 3 credits, charged 3, 94997 left today
}

// Iterate over every open ticket, one page (one admitted call) at a time.
func ExampleTicketsService_All() {
	srv := desktest.NewServer(desktest.Options{Seed: 42, Tickets: 120})
	defer srv.Close()
	c, err := desk.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	opts := &desk.TicketListOptions{Status: []string{"Open"}, ListOptions: desk.ListOptions{Limit: 20}}
	n := 0
	for t, err := range c.Tickets.All(ctx, opts) {
		if err != nil {
			log.Fatal(err) // a *desk.IterationStopped: see ExampleIterationStopped
		}
		if n < 2 {
			fmt.Printf("#%s %s\n", t.TicketNumber, t.Subject)
		}
		n++
	}
	fmt.Println(n, "open tickets in", srv.RequestCount(), "calls")
	// Output:
	// #105 Integration with CRM stopped syncing
	// #111 How do I add a user?
	// 37 open tickets in 2 calls
}

// A job with its own credit cap stops after the last page it could afford;
// the error says where to resume, here under a second job.
func ExampleIterationStopped() {
	srv := desktest.NewServer(desktest.Options{Seed: 42, Tickets: 250})
	defer srv.Close()
	c, err := desk.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}

	// A page of 100 tickets costs 3 credits: a cap of 7 affords two.
	ctx := credits.WithJob(context.Background(), credits.Job{Name: "nightly-export", Cap: 7})
	opts := &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 100}}
	exported := 0
	for _, err := range c.Tickets.All(ctx, opts) {
		var stop *desk.IterationStopped
		switch {
		case errors.Is(err, credits.ErrJobCapReached) && errors.As(err, &stop):
			fmt.Println("cap reached after", exported, "tickets; resume from", stop.Next)
			opts.From = stop.Next // persist it and call All again later
		case err != nil:
			log.Fatal(err)
		default:
			exported++ // export the ticket
		}
	}

	ctx = credits.WithJob(context.Background(), credits.Job{Name: "nightly-export-2", Cap: 7})
	for _, err := range c.Tickets.All(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		exported++
	}
	fmt.Println("exported", exported, "tickets")
	// Output:
	// cap reached after 200 tickets; resume from 200
	// exported 250 tickets
}

// Desk's errors are *desk.Error values matchable with errors.Is and As; a
// refusal by the credit governor matches the same sentinels.
func ExampleError() {
	srv := desktest.NewServer(desktest.Options{Seed: 42, Tickets: 10})
	defer srv.Close()
	c, err := desk.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	depts, _, err := c.Departments.List(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}

	// A contact that does not exist: INVALID_DATA, with the field at fault.
	_, _, err = c.Tickets.Create(ctx, &desk.TicketInput{
		Subject: "Printer on fire", DepartmentID: depts[0].ID, ContactID: "1",
	})
	var de *desk.Error
	if errors.Is(err, desk.ErrInvalidData) && errors.As(err, &de) {
		fmt.Println(de.StatusCode, de.Code)
		for _, f := range de.Errors {
			fmt.Println(f.FieldName, f.ErrorType)
		}
	}

	// Another integration spends the rest of the organisation's day.
	srv.SpendExternal(srv.Remaining())
	_, _, err = c.Departments.List(ctx, nil)
	if errors.Is(err, desk.ErrThresholdExceeded) && errors.As(err, &de) {
		fmt.Println(de.StatusCode, de.Code)
	}
	// The governor now refuses calls before sending them.
	_, _, err = c.Departments.List(ctx, nil)
	var refusal *credits.Refusal
	fmt.Println(errors.Is(err, desk.ErrThresholdExceeded), errors.As(err, &refusal))
	// Output:
	// 422 INVALID_DATA
	// /contactId invalid
	// 429 THRESHOLD_EXCEEDED
	// true true
}
