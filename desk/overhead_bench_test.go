package desk

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// BenchmarkOverhead compares the same ticket GET against one local server,
// once with plain net/http and encoding/json, once through the full client
// (governor, credit transport, retry policy, tolerant decoding). The target
// is a client/plain ratio of at most 1.25, reported as a metric:
//
//	go test -run '^$' -bench Overhead -count 5 ./desk/
func BenchmarkOverhead(b *testing.B) {
	// The spec's example payload mixes epoch milliseconds and ISO times,
	// which encoding/json cannot take into time.Time; the server sends the
	// same ticket strictly typed, so that the plain path can decode it.
	raw, err := os.ReadFile("testdata/ticket.json")
	if err != nil {
		b.Fatal(err)
	}
	var decoded Ticket
	if err := decodeJSON(raw, &decoded); err != nil {
		b.Fatal(err)
	}
	decoded.Extra = nil
	body, err := json.Marshal(decoded)
	if err != nil {
		b.Fatal(err)
	}
	var check plainTicket
	if err := json.Unmarshal(body, &check); err != nil {
		b.Fatalf("plain decoding of the served ticket: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /prefix/api/v1/tickets/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(credits.HeaderWeight, "1")
		w.Header().Set(credits.HeaderRemaining, "94000")
		w.Write(body)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	const id = "1892000000042001"

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	plain := func() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/prefix/api/v1/tickets/"+id, nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken token")
		req.Header.Set("orgId", "60001234567")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var t plainTicket
		if err := json.Unmarshal(data, &t); err != nil {
			b.Fatal(err)
		}
	}
	c, err := NewClient(Config{
		BaseURL: srv.URL + "/prefix/api/v1", AllowInsecureHTTP: true,
		OrgID: "60001234567", TokenSource: StaticToken("token"),
		Plan:       credits.Plan{Edition: credits.Enterprise, Agents: 1000, AddOn: 1_000_000_000},
		HTTPClient: hc, MaxRetryWait: time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	client := func() {
		if _, _, err := c.Tickets.Get(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
	// Both run in every iteration, alternating which goes first, so that
	// the machine's noise falls on both alike and the ratio is of one run.
	var plainTime, clientTime time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		first, second := plain, client
		firstTime, secondTime := &plainTime, &clientTime
		if n%2 == 1 {
			first, second = client, plain
			firstTime, secondTime = &clientTime, &plainTime
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		*firstTime += t1.Sub(t0)
		*secondTime += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(plainTime.Nanoseconds())/float64(n), "plain-ns/call")
	b.ReportMetric(float64(clientTime.Nanoseconds())/float64(n), "client-ns/call")
	b.ReportMetric(float64(clientTime)/float64(plainTime), "client/plain")
}
