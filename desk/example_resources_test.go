package desk_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
)

func newExampleClient() *desk.Client {
	c, err := desk.NewClient(desk.Config{
		DataCenter:  desk.EU,
		OrgID:       "60001234567",
		TokenSource: desk.RefreshToken(desk.EU, "client-id", "client-secret", "refresh-token"),
		Plan:        credits.Plan{Edition: credits.Professional, Agents: 40},
	})
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// Iterate over every open ticket, one page (one admitted call) at a time.
func ExampleTicketsService_All() {
	c := newExampleClient()
	ctx := context.Background()
	opts := &desk.TicketListOptions{Status: []string{"Open"}, SortBy: "-createdTime"}
	for t, err := range c.Tickets.All(ctx, opts) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.TicketNumber, t.Subject)
	}
}

// A job with its own credit cap stops after the last page it could afford;
// the error says where to resume.
func ExampleIterationStopped() {
	c := newExampleClient()
	ctx := credits.WithJob(context.Background(), credits.Job{Name: "nightly-export", Cap: 20_000})
	opts := &desk.TicketListOptions{}
	for t, err := range c.Tickets.All(ctx, opts) {
		var stop *desk.IterationStopped
		switch {
		case errors.Is(err, credits.ErrJobCapReached) && errors.As(err, &stop):
			fmt.Println("cap reached; resume tomorrow from", stop.Next)
			opts.From = stop.Next // persist it and call All again later
			return
		case err != nil:
			log.Fatal(err)
		}
		_ = t // export t
	}
}

// Desk's errors are *desk.Error values matchable with errors.Is and As.
func ExampleError() {
	c := newExampleClient()
	_, _, err := c.Tickets.Create(context.Background(), &desk.TicketInput{
		Subject: "Printer on fire", DepartmentID: "1892000000006907", ContactID: "1892000000042032",
	})
	var de *desk.Error
	switch {
	case errors.Is(err, desk.ErrThresholdExceeded):
		fmt.Println("the organisation's credits for today are spent")
	case errors.As(err, &de) && de.Code == desk.CodeInvalidData:
		for _, f := range de.Errors {
			fmt.Println(f.FieldName, f.ErrorType)
		}
	case err != nil:
		log.Fatal(err)
	}
}
