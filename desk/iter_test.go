package desk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/jarcoal/httpmock"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// pageResponder serves total tickets in pages, answering 204 past the end.
func pageResponder(total int, calls *[]int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		*calls = append(*calls, from)
		if from >= total {
			return httpmock.NewBytesResponse(http.StatusNoContent, nil), nil
		}
		body := `{"data":[`
		for i := from; i < min(from+limit, total); i++ {
			if i > from {
				body += ","
			}
			body += fmt.Sprintf(`{"id":"%d"}`, 1000+i)
		}
		return httpmock.NewStringResponse(200, body+"]}"), nil
	}
}

func TestAllEndsAtEndOfData(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		limit     int
		wantCalls []int
	}{
		{"short last page", 25, 10, []int{0, 10, 20}},
		{"exact multiple ends on 204", 20, 10, []int{0, 10, 20}},
		{"empty", 0, 10, []int{0}},
		{"default page size", 150, 0, []int{0, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var calls []int
			mt.RegisterResponder("GET", mockBase+"/tickets", pageResponder(tc.total, &calls))
			var ids []string
			for tk, err := range c.Tickets.All(context.Background(), &TicketListOptions{ListOptions: ListOptions{Limit: tc.limit}}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tk.ID)
			}
			if len(ids) != tc.total {
				t.Errorf("got %d tickets, want %d", len(ids), tc.total)
			}
			if fmt.Sprint(calls) != fmt.Sprint(tc.wantCalls) {
				t.Errorf("pages fetched from %v, want %v", calls, tc.wantCalls)
			}
		})
	}
}

func TestAllStopsAndResumes(t *testing.T) {
	var zero Ticket
	refusal := &credits.Refusal{Reason: credits.ErrJobCapReached, Route: "GET /tickets", Job: "export"}
	fail := 2 // the third page is refused
	pages := 0
	fetch := func(_ context.Context, lo ListOptions) ([]Ticket, error) {
		if pages == fail {
			return nil, refusal
		}
		pages++
		out := make([]Ticket, lo.Limit)
		for i := range out {
			out[i].ID = strconv.Itoa(lo.From + i)
		}
		return out, nil
	}
	var got []string
	var stopErr error
	for tk, err := range paginate(context.Background(), ListOptions{Limit: 5}, 100, 0, fetch) {
		if err != nil {
			if tk.ID != zero.ID {
				t.Errorf("error yielded with a record %+v", tk)
			}
			stopErr = err
			continue
		}
		got = append(got, tk.ID)
	}
	if len(got) != 10 {
		t.Fatalf("got %d records before the refusal, want 10 (two whole pages)", len(got))
	}
	var stop *IterationStopped
	if !errors.As(stopErr, &stop) || stop.Next != 10 {
		t.Fatalf("stop = %#v, want *IterationStopped{Next: 10}", stopErr)
	}
	if !errors.Is(stopErr, credits.ErrJobCapReached) {
		t.Errorf("errors.Is(stop, ErrJobCapReached) is false")
	}
	// Resume from Next with the cap lifted.
	fail = -1
	var rest []string
	for tk, err := range paginate(context.Background(), ListOptions{From: stop.Next, Limit: 5}, 100, 0, func(ctx context.Context, lo ListOptions) ([]Ticket, error) {
		if lo.From >= 17 {
			return nil, nil
		}
		return fetch(ctx, ListOptions{From: lo.From, Limit: min(lo.Limit, 17-lo.From)})
	}) {
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, tk.ID)
	}
	if len(rest) != 7 || rest[0] != "10" {
		t.Errorf("resumed records = %v, want 10..16", rest)
	}
}

func TestAllStopsOnDeskError(t *testing.T) {
	c, mt := newMockClient(t)
	mt.RegisterResponder("GET", mockBase+"/tickets/1/comments", func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("from") == "" {
			return httpmock.NewStringResponse(200, `{"data":[{"id":"1"},{"id":"2"}]}`), nil
		}
		return httpmock.NewBytesResponse(403, fixture(t, "error_invalid_data.json")), nil
	})
	n := 0
	var stopErr error
	for _, err := range c.Comments.All(context.Background(), "1", &CommentListOptions{ListOptions: ListOptions{Limit: 2}}) {
		if err != nil {
			stopErr = err
			break
		}
		n++
	}
	var de *Error
	var stop *IterationStopped
	if n != 2 || !errors.As(stopErr, &de) || !errors.As(stopErr, &stop) || stop.Next != 2 || de.Code != CodeInvalidData {
		t.Fatalf("n=%d err=%v", n, stopErr)
	}
}

func TestSearchAllStopsAtWindow(t *testing.T) {
	var calls []int
	fetch := func(_ context.Context, lo ListOptions) ([]Ticket, error) {
		calls = append(calls, lo.From)
		return make([]Ticket, lo.Limit), nil
	}
	var stopErr error
	count := 0
	for _, err := range paginate(context.Background(), ListOptions{From: 4800, Limit: 100}, 100, maxSearchFrom, fetch) {
		if err != nil {
			stopErr = err
			break
		}
		count++
	}
	if count != 200 || !errors.Is(stopErr, ErrSearchWindow) {
		t.Fatalf("count=%d err=%v calls=%v", count, stopErr, calls)
	}
}

func TestAllBreakStopsFetching(t *testing.T) {
	c, mt := newMockClient(t)
	var calls []int
	mt.RegisterResponder("GET", mockBase+"/agents", pageResponder(1000, &calls))
	for range c.Agents.All(context.Background(), &AgentListOptions{ListOptions: ListOptions{Limit: 10}}) {
		break
	}
	if len(calls) != 1 {
		t.Errorf("fetched %d pages after break, want 1", len(calls))
	}
}
