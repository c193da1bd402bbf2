package desktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/internal/clock"
)

// start is midday of a fixed day, so that tests are independent of the date.
var start = time.Date(2025, 11, 3, 12, 0, 0, 0, time.UTC)

func newFake(t *testing.T, opts Options) (*Server, *clock.Fake) {
	t.Helper()
	fc := clock.New(start)
	if opts.Clock == nil {
		opts.Clock = fc
	}
	if opts.Tickets == 0 {
		opts.Tickets = 300
	}
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s, fc
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

func (r result) code(t *testing.T) string {
	t.Helper()
	var e struct {
		ErrorCode string `json:"errorCode"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.ErrorCode
}

// do sends one authenticated API call; path is below the API root.
func do(t *testing.T, s *Server, method, path, body string) result {
	t.Helper()
	return doWith(t, s, method, path, body, map[string]string{
		"Authorization": "Zoho-oauthtoken " + s.AccessToken(), "orgId": s.OrgID(),
	})
}

func doWith(t *testing.T, s *Server, method, path, body string, headers map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, b}
}
