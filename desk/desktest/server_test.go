package desktest

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestFirstCalls(t *testing.T) {
	s, _ := newFake(t, Options{})
	if got, want := s.Plan(), (credits.Plan{Edition: credits.Professional, Agents: 40}); got != want {
		t.Fatalf("Plan() = %v, want %v", got, want)
	}
	r := do(t, s, "GET", "/tickets?limit=100", "")
	if r.status != 200 {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	var page struct {
		Data []map[string]any `json:"data"`
	}
	r.json(t, &page)
	if len(page.Data) != 100 {
		t.Fatalf("got %d tickets", len(page.Data))
	}
	if w := r.header.Get(credits.HeaderWeight); w != "3" {
		t.Errorf("weight %q, want 3", w)
	}
	if rem := r.header.Get(credits.HeaderRemaining); rem != strconv.FormatInt(95_000-3, 10) {
		t.Errorf("remaining %q", rem)
	}
	id := page.Data[0]["id"].(string)
	r = do(t, s, "GET", "/tickets/"+id, "")
	if r.status != http.StatusOK || r.header.Get(credits.HeaderWeight) != "1" {
		t.Fatalf("get: %d %v %s", r.status, r.header, r.body)
	}
	if r := do(t, s, "GET", "/tickets?from=5000&limit=10", ""); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("empty page: %d %q", r.status, r.body)
	}
	if got := s.Charged(); got != 3+1+5 {
		t.Errorf("Charged() = %d", got)
	}
}
