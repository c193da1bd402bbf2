package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk/desktest/mock"
	"github.com/jarcoal/httpmock"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type got struct {
	status            int
	weight, remaining string
	retryAfter, code  string
}

func call(t *testing.T, hc *http.Client, url string) got {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e mock.ErrorBody
	_ = json.Unmarshal(b, &e)
	return got{resp.StatusCode, resp.Header.Get(credits.HeaderWeight), resp.Header.Get(credits.HeaderRemaining),
		resp.Header.Get(credits.HeaderRetryAfter), e.ErrorCode}
}

func TestMeter(t *testing.T) {
	hc := &http.Client{}
	tr := httpmock.NewMockTransport()
	hc.Transport = tr
	m := mock.NewMeter(10)
	m.SetRetryAfter(90 * time.Second)
	tr.RegisterResponder("GET", "https://desk.zoho.com/api/v1/tickets",
		m.Charge(3, httpmock.NewStringResponder(200, `{"data":[]}`)))
	const u = "https://desk.zoho.com/api/v1/tickets"

	steps := []struct {
		name string
		cue  func()
		want got
	}{
		{"first", nil, got{200, "3", "7", "", ""}},
		{"second", nil, got{200, "3", "4", "", ""}},
		{"too many on cue", func() { m.TooManyNext(1) }, got{429, "", "", "", "TOO_MANY_REQUESTS"}},
		{"threshold on cue", func() { m.ThresholdNext(1) }, got{429, "", "4", "90", "THRESHOLD_EXCEEDED"}},
		{"third", nil, got{200, "3", "1", "", ""}},
		{"pool spent", nil, got{429, "", "1", "90", "THRESHOLD_EXCEEDED"}},
		{"after reset", func() { m.SetRemaining(10) }, got{200, "3", "7", "", ""}},
	}
	for _, st := range steps {
		if st.cue != nil {
			st.cue()
		}
		if g := call(t, hc, u); g != st.want {
			t.Errorf("%s: got %+v, want %+v", st.name, g, st.want)
		}
	}
	if m.Charged() != 12 || m.Calls() != 7 || m.Remaining() != 7 {
		t.Errorf("charged %d calls %d remaining %d", m.Charged(), m.Calls(), m.Remaining())
	}
}

func TestStandaloneResponders(t *testing.T) {
	hc := &http.Client{}
	tr := httpmock.NewMockTransport()
	hc.Transport = tr
	tr.RegisterResponder("GET", "https://x/a", mock.WithCredits(1, 500, httpmock.NewStringResponder(200, "{}")))
	tr.RegisterResponder("GET", "https://x/b", mock.ThresholdExceeded(1500*time.Millisecond))
	tr.RegisterResponder("GET", "https://x/c", mock.TooManyRequests())
	tr.RegisterResponder("GET", "https://x/d", mock.Error(404, "URL_NOT_FOUND", "nope"))
	tests := []struct {
		url  string
		want got
	}{
		{"https://x/a", got{200, "1", "500", "", ""}},
		{"https://x/b", got{429, "", "0", "2", "THRESHOLD_EXCEEDED"}},
		{"https://x/c", got{429, "", "", "", "TOO_MANY_REQUESTS"}},
		{"https://x/d", got{404, "", "", "", "URL_NOT_FOUND"}},
	}
	for _, tt := range tests {
		if g := call(t, hc, tt.url); g != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.url, g, tt.want)
		}
	}
}
