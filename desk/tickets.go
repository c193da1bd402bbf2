package desk

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/google/go-querystring/query"
)

// TicketsService calls the ticket endpoints.
type TicketsService service

// Ticket is a Desk ticket.
type Ticket struct {
	ID           string         `json:"id"`
	TicketNumber string         `json:"ticketNumber"`
	Subject      string         `json:"subject"`
	Status       string         `json:"status"`
	StatusType   string         `json:"statusType,omitempty"`
	Priority     string         `json:"priority,omitempty"`
	Channel      string         `json:"channel,omitempty"`
	DepartmentID string         `json:"departmentId,omitempty"`
	ContactID    string         `json:"contactId,omitempty"`
	AssigneeID   string         `json:"assigneeId,omitempty"`
	Email        string         `json:"email,omitempty"`
	CreatedTime  time.Time      `json:"createdTime"`
	WebURL       string         `json:"webUrl,omitempty"`
	CustomFields map[string]any `json:"cf,omitempty"`
}

// ListOptions are the paging options of every list call.
type ListOptions struct {
	// From is the index of the first record, starting at 0.
	From int `url:"from,omitempty"`
	// Limit is the number of records per page (1..100 for tickets); 0 means
	// Desk's default.
	Limit int `url:"limit,omitempty"`
}

// TicketListOptions filter GET /tickets.
type TicketListOptions struct {
	ListOptions
	// Status filters by status, e.g. "Open", or several as "Open,On Hold".
	Status string `url:"status,omitempty"`
}

func (o *ListOptions) validate(maxLimit int) error {
	if o.From < 0 {
		return fmt.Errorf("desk: ListOptions.From is %d: it must be 0 or more: %w", o.From, ErrInvalidOptions)
	}
	if o.Limit < 0 || o.Limit > maxLimit {
		return fmt.Errorf("desk: ListOptions.Limit is %d: it must be between 1 and %d (0 for Desk's default): %w", o.Limit, maxLimit, ErrInvalidOptions)
	}
	return nil
}

func encodeQuery(opts any) (url.Values, error) {
	v, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("desk: encoding options: %w", err)
	}
	return v, nil
}

type ticketList struct {
	Data []Ticket `json:"data"`
}

// List returns one page of tickets.
//
// Desk API: GET /api/v1/tickets
func (s *TicketsService) List(ctx context.Context, opts *TicketListOptions) ([]Ticket, *Response, error) {
	if opts == nil {
		opts = &TicketListOptions{}
	}
	if err := opts.validate(100); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	var out ticketList
	resp, err := s.client.call(ctx, request{method: "GET", path: "/tickets", query: q}, &out)
	return out.Data, resp, err
}

// Get returns the ticket with the given ID.
//
// Desk API: GET /api/v1/tickets/{ticketId}
func (s *TicketsService) Get(ctx context.Context, id string) (*Ticket, *Response, error) {
	if err := validateID("ticket", id); err != nil {
		return nil, nil, err
	}
	var t Ticket
	resp, err := s.client.call(ctx, request{method: "GET", path: "/tickets/" + id}, &t)
	if err != nil {
		return nil, resp, err
	}
	return &t, resp, nil
}

// validateID rejects an ID that is not all digits before it reaches a URL.
func validateID(what, id string) error {
	if id == "" {
		return fmt.Errorf("desk: the %s ID is empty: %w", what, ErrInvalidOptions)
	}
	if !allDigits(id) {
		return fmt.Errorf("desk: the %s ID %q is not numeric: %w", what, excerpt([]byte(id), 30), ErrInvalidOptions)
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
