package desktest

import (
	"context"
	"net/http"
	"testing"

	"github.com/go-zohodesk/zohodesk/desk"
)

func TestRefreshThroughClient(t *testing.T) {
	s, _ := newFake(t, Options{Tickets: 5})
	cfg := s.ClientConfig()
	cfg.TokenSource = s.RefreshTokenSource()
	c, err := desk.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Tickets.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if s.Refreshes() != 1 {
		t.Errorf("Refreshes() = %d", s.Refreshes())
	}
}

// BenchmarkServe measures one ticket page and one ticket read through the
// whole server (HTTP, checks, credits, JSON).
func BenchmarkServe(b *testing.B) {
	s := NewServer(Options{Concurrency: 1 << 20, MaxRecorded: -1})
	defer s.Close()
	hc := s.Client()
	get := func(path string) {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+s.AccessToken())
		req.Header.Set("orgId", s.OrgID())
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var buf [32 << 10]byte
		for {
			if _, err := resp.Body.Read(buf[:]); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
	b.Run("list100", func(b *testing.B) {
		for b.Loop() {
			get("/tickets?limit=100&from=1000")
		}
	})
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			get("/tickets/189200000000000300")
		}
	})
}
