package desktest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
)

func ExampleNewServer() {
	srv := desktest.NewServer(desktest.Options{}) // Professional, 40 agents, seed 1
	defer srv.Close()

	client, err := desk.NewClient(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	tickets, resp, err := client.Tickets.List(context.Background(), &desk.TicketListOptions{
		ListOptions: desk.ListOptions{Limit: 50},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tickets), "tickets")
	fmt.Println("charged", resp.Credits.Weight, "credits;", resp.Credits.Remaining, "left of", srv.Plan().Daily())
	fmt.Println("server charged", srv.Charged(), "in", len(srv.Requests()), "request")
	// Output:
	// 50 tickets
	// charged 3 credits; 94997 left of 95000
	// server charged 3 in 1 request
}
