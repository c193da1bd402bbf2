package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// testPrefix mounts the fake API below a non-empty path so that a request
// built with an absolute path instead of the base URL fails.
const testPrefix = "/prefix/api/v1"

func testPlan() credits.Plan { return credits.Plan{Edition: credits.Professional, Agents: 40} }

// newTestClient starts a server whose API root is testPrefix and returns a
// client for it. The handler sees paths below testPrefix.
func newTestClient(t *testing.T, h http.HandlerFunc, mod ...func(*Config)) *Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(testPrefix+"/", http.StripPrefix(testPrefix, h))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the API root: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := Config{
		BaseURL: srv.URL + testPrefix, AllowInsecureHTTP: true,
		OrgID: "60001234567", TokenSource: StaticToken("test-access-token"),
		Plan: testPlan(), MaxRetryWait: 5 * time.Millisecond,
		HTTPClient: &http.Client{Transport: &http.Transport{}},
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { cfg.HTTPClient.CloseIdleConnections() })
	return c
}

func writeJSON(w http.ResponseWriter, status int, weight, remaining string, v any) {
	if weight != "" {
		w.Header().Set(credits.HeaderWeight, weight)
	}
	if remaining != "" {
		w.Header().Set(credits.HeaderRemaining, remaining)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestNewClientRejectsBadConfig(t *testing.T) {
	good := func() Config {
		return Config{DataCenter: US, OrgID: "60001234567", TokenSource: StaticToken("x"), Plan: testPlan()}
	}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"empty org ID", func(c *Config) { c.OrgID = "" }, "OrgID is empty"},
		{"non-numeric org ID", func(c *Config) { c.OrgID = "6000abc" }, "not numeric"},
		{"unknown edition", func(c *Config) { c.Plan.Edition = 42 }, "unknown edition"},
		{"zero edition", func(c *Config) { c.Plan = credits.Plan{} }, "unknown edition"},
		{"negative agents", func(c *Config) { c.Plan.Agents = -1 }, "cannot be negative"},
		{"negative add-on", func(c *Config) { c.Plan.AddOn = -5 }, "cannot be negative"},
		{"missing token source", func(c *Config) { c.TokenSource = nil }, "TokenSource is nil"},
		{"no data centre nor base URL", func(c *Config) { c.DataCenter = "" }, "DataCenter"},
		{"unknown data centre", func(c *Config) { c.DataCenter = "mars" }, "unknown Config.DataCenter"},
		{"plain http base URL", func(c *Config) { c.BaseURL = "http://desk.example.com/api/v1" }, "plain http"},
		{"relative base URL", func(c *Config) { c.BaseURL = "/api/v1" }, "not an absolute URL"},
		{"other scheme", func(c *Config) { c.BaseURL = "ftp://desk.example.com" }, "scheme must be https"},
		{"credentials in base URL", func(c *Config) { c.BaseURL = "https://u:p@desk.example.com" }, "credentials"},
		{"negative retry wait", func(c *Config) { c.MaxRetryWait = -time.Second }, "MaxRetryWait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.mod(&cfg)
			c, err := NewClient(cfg)
			if err == nil {
				t.Fatalf("NewClient accepted the config, want an error containing %q", tt.want)
			}
			if c != nil {
				t.Errorf("NewClient returned a client with its error")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not match ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	if _, err := NewClient(good()); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	insecure := good()
	insecure.BaseURL, insecure.AllowInsecureHTTP = "http://127.0.0.1:1/api/v1", true
	if _, err := NewClient(insecure); err != nil {
		t.Fatalf("http base URL with AllowInsecureHTTP refused: %v", err)
	}
}

func TestDataCenters(t *testing.T) {
	tests := []struct {
		dc       DataCenter
		api      string
		accounts string
	}{
		{US, "https://desk.zoho.com/api/v1", "https://accounts.zoho.com"},
		{EU, "https://desk.zoho.eu/api/v1", "https://accounts.zoho.eu"},
		{IN, "https://desk.zoho.in/api/v1", "https://accounts.zoho.in"},
		{AU, "https://desk.zoho.com.au/api/v1", "https://accounts.zoho.com.au"},
		{JP, "https://desk.zoho.jp/api/v1", "https://accounts.zoho.jp"},
		{CN, "https://desk.zoho.com.cn/api/v1", "https://accounts.zoho.com.cn"},
		{SA, "https://desk.zoho.sa/api/v1", "https://accounts.zoho.sa"},
		{SG, "https://desk.zoho.sg/api/v1", "https://accounts.zoho.sg"},
		{AE, "https://desk.zoho.ae/api/v1", "https://accounts.zoho.ae"},
		{CA, "https://desk.zohocloud.ca/api/v1", "https://accounts.zohocloud.ca"},
	}
	for _, tt := range tests {
		t.Run(tt.dc.String(), func(t *testing.T) {
			if got := tt.dc.APIBase(); got != tt.api {
				t.Errorf("APIBase = %q, want %q", got, tt.api)
			}
			if got := tt.dc.AccountsURL(); got != tt.accounts {
				t.Errorf("AccountsURL = %q, want %q", got, tt.accounts)
			}
			if _, err := tt.dc.Zone(); err != nil {
				t.Errorf("Zone: %v", err)
			}
			for _, name := range []string{tt.dc.String(), strings.ToLower(tt.dc.String()), string(tt.dc)} {
				if got, err := ParseDataCenter(name); err != nil || got != tt.dc {
					t.Errorf("ParseDataCenter(%q) = %v, %v", name, got, err)
				}
			}
		})
	}
	if _, err := ParseDataCenter("moon"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParseDataCenter(moon) error = %v, want ErrInvalidConfig", err)
	}
}

func TestClientSendsDeskHeaders(t *testing.T) {
	var got *http.Request
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		writeJSON(w, 200, "1", "94999", map[string]any{"id": "1892000000143237", "subject": "Printer"})
	}, func(cfg *Config) { cfg.UserAgent = "acme-sync/2" })
	tk, resp, err := c.Tickets.Get(context.Background(), "1892000000143237")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if tk.ID != "1892000000143237" || tk.Subject != "Printer" {
		t.Errorf("ticket = %+v", tk)
	}
	if got.Method != "GET" || got.URL.Path != "/tickets/1892000000143237" {
		t.Errorf("request = %s %s", got.Method, got.URL.Path)
	}
	if h := got.Header.Get("Authorization"); h != "Zoho-oauthtoken test-access-token" {
		t.Errorf("Authorization = %q", h)
	}
	if h := got.Header.Get("orgId"); h != "60001234567" {
		t.Errorf("orgId = %q", h)
	}
	if h := got.Header.Get("User-Agent"); !strings.HasPrefix(h, "acme-sync/2 go-zohodesk/") {
		t.Errorf("User-Agent = %q", h)
	}
	want := Credits{Estimate: resp.Credits.Estimate, Weight: 1, HasWeight: true, Charged: 1, Remaining: 94999, HasRemaining: true, Attempts: 1}
	if resp.Credits != want {
		t.Errorf("Credits = %+v, want %+v", resp.Credits, want)
	}
	if resp.Credits.Estimate <= 0 {
		t.Errorf("Estimate = %d, want a positive estimate", resp.Credits.Estimate)
	}
}

func TestMalformedCreditHeadersAreLoggedNotTrusted(t *testing.T) {
	for _, tt := range []struct{ weight, remaining string }{
		{"abc", "94000"}, {"-3", "94000"}, {"99999999999999999999", "1"}, {"1", "lots"}, {"", "-1"},
	} {
		t.Run(tt.weight+"/"+tt.remaining, func(t *testing.T) {
			var logs bytes.Buffer
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, tt.weight, tt.remaining, map[string]any{"id": "1"})
			}, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			_, resp, err := c.Tickets.Get(context.Background(), "1")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !strings.Contains(logs.String(), "untrusted header") {
				t.Errorf("nothing logged for weight=%q remaining=%q; logs: %s", tt.weight, tt.remaining, logs.String())
			}
			if strings.Contains(logs.String(), "test-access-token") {
				t.Errorf("the token reached the logs")
			}
			if resp.Credits.HasWeight && resp.Credits.Weight < 0 || resp.Credits.HasRemaining && resp.Credits.Remaining < 0 {
				t.Errorf("a negative value was trusted: %+v", resp.Credits)
			}
		})
	}
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		code     ErrorCode
		check    func(*testing.T, *Error)
	}{
		{"invalid data", 422, `{"errorCode":"INVALID_DATA","message":"bad","errors":[{"fieldName":"/contactId","errorType":"invalid"}]}`, ErrInvalidData, CodeInvalidData,
			func(t *testing.T, e *Error) {
				if len(e.Errors) != 1 || e.Errors[0].FieldName != "/contactId" || e.Errors[0].ErrorType != "invalid" {
					t.Errorf("field errors = %+v", e.Errors)
				}
			}},
		{"license", 403, `{"errorCode":"LICENSE_ACCESS_LIMITED","maxAllowedEntity":"10","feature":"AGENTS","editionType":"FREE","isTrial":"true","message":"no"}`, ErrLicenseLimited, CodeLicenseAccessLimited,
			func(t *testing.T, e *Error) {
				if e.License == nil || e.License.MaxAllowedEntity != "10" || e.License.Feature != "AGENTS" || !e.License.IsTrial {
					t.Errorf("license = %+v", e.License)
				}
			}},
		{"not found", 404, `{"errorCode":"URL_NOT_FOUND","message":"gone"}`, ErrNotFound, CodeURLNotFound, nil},
		{"forbidden", 403, `{"errorCode":"FORBIDDEN","message":"no"}`, ErrForbidden, CodeForbidden, nil},
		{"html body", 404, `<html><body>Not Found</body></html>`, ErrMalformedResponse, "",
			func(t *testing.T, e *Error) {
				if !strings.Contains(e.Error(), "404") || !strings.Contains(e.Excerpt, "Not Found") {
					t.Errorf("error %q lacks status or excerpt", e)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set(credits.HeaderWeight, "1")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, resp, err := c.Tickets.Get(context.Background(), "5")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *desk.Error", err)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not match %v", err, tt.sentinel)
			}
			if e.Code != tt.code || e.StatusCode != tt.status {
				t.Errorf("code, status = %q, %d; want %q, %d", e.Code, e.StatusCode, tt.code, tt.status)
			}
			if e.Credits.Charged != 1 || resp.Credits.Charged != 1 {
				t.Errorf("error credits = %+v, response credits = %+v; want 1 charged", e.Credits, resp.Credits)
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		post      bool
		responses []int
		codes     []string
		wantCalls int
		wantErr   error
	}{
		{"GET retried after 500", false, []int{500, 500, 200}, nil, 3, nil},
		{"POST never retried after 500", true, []int{500, 200}, nil, 1, ErrServer},
		{"too many requests retried", false, []int{429, 200}, []string{"TOO_MANY_REQUESTS"}, 2, nil},
		{"POST retried after too many requests", true, []int{429, 200}, []string{"TOO_MANY_REQUESTS"}, 2, nil},
		{"threshold exceeded not retried", false, []int{429, 200}, []string{"THRESHOLD_EXCEEDED"}, 1, ErrThresholdExceeded},
		{"retries are bounded", false, []int{500, 500, 500, 500, 500, 500, 500, 500}, nil, 5, ErrServer},
		{"400 not retried", false, []int{400, 200}, []string{"BAD_REQUEST"}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				status := tt.responses[min(n, len(tt.responses)-1)]
				code := "INTERNAL_SERVER_ERROR"
				if n < len(tt.codes) {
					code = tt.codes[n]
				}
				if status == 200 {
					writeJSON(w, 200, "1", "1000", map[string]any{"id": "1"})
					return
				}
				w.Header().Set("Retry-After", "0")
				writeJSON(w, status, "1", "1000", map[string]any{"errorCode": code, "message": "x"})
			})
			var err error
			if tt.post {
				_, err = c.call(context.Background(), request{method: "POST", path: "/tickets", body: map[string]string{"subject": "s"}}, nil)
			} else {
				_, _, err = c.Tickets.Get(context.Background(), "1")
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == nil && tt.responses[len(tt.responses)-1] == 200 && tt.wantCalls == len(tt.responses) && err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestRetryNeverWaitsPastDeadline(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, "1", "1000", map[string]any{"errorCode": "TOO_MANY_REQUESTS", "message": "slow down"})
	}, func(cfg *Config) { cfg.MaxRetryWait = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err := c.Tickets.Get(ctx, "1")
	elapsed := time.Since(start)
	if !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("error = %v, want the TOO_MANY_REQUESTS answer", err)
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d calls, want 1: a wait of an hour cannot fit a 2s deadline", calls.Load())
	}
	if ctx.Err() != nil {
		t.Errorf("the call returned only after its deadline (%v)", elapsed)
	}
}

func TestInvalidOAuthRefreshesOnce(t *testing.T) {
	var refreshes atomic.Int32
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "refresh-secret" || r.Form.Get("client_secret") != "client-secret" {
			http.Error(w, "bad grant", 400)
			return
		}
		n := refreshes.Add(1)
		writeJSON(w, 200, "", "", map[string]any{"access_token": fmt.Sprintf("access-%d", n), "expires_in": 3600, "token_type": "Bearer"})
	}))
	defer tokenSrv.Close()
	tokenHC := &http.Client{Transport: &http.Transport{}}
	defer tokenHC.CloseIdleConnections()
	var seen []string
	var mu sync.Mutex
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Zoho-oauthtoken access-1" {
			writeJSON(w, 401, "", "", map[string]any{"errorCode": "INVALID_OAUTH", "message": "expired"})
			return
		}
		writeJSON(w, 200, "1", "100", map[string]any{"id": "1"})
	}, func(cfg *Config) {
		cfg.TokenSource = RefreshTokenAt(tokenSrv.URL+"/oauth/v2/token", "client-id", "client-secret", "refresh-secret", tokenHC)
	})
	if _, _, err := c.Tickets.Get(context.Background(), "1"); err != nil {
		t.Fatalf("Get after a forced refresh: %v", err)
	}
	if refreshes.Load() != 2 || len(seen) != 2 || seen[1] != "Zoho-oauthtoken access-2" {
		t.Errorf("refreshes = %d, authorizations = %v; want one refresh, one forced refresh and a retry with the new token", refreshes.Load(), seen)
	}
}

func TestTokenRefreshSharedByGoroutines(t *testing.T) {
	var refreshes atomic.Int32
	release := make(chan struct{})
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refreshes.Add(1)
		<-release
		writeJSON(w, 200, "", "", map[string]any{"access_token": "shared", "expires_in": 3600})
	}))
	defer tokenSrv.Close()
	tokenHC := &http.Client{Transport: &http.Transport{}}
	defer tokenHC.CloseIdleConnections()
	ts := newTokenSource(RefreshTokenAt(tokenSrv.URL, "id", "secret", "refresh", tokenHC), time.Now)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			tok, err := ts.token(context.Background())
			if err == nil && tok != "shared" {
				err = fmt.Errorf("token %q", tok)
			}
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if refreshes.Load() != 1 {
		t.Errorf("%d refreshes for 50 goroutines, want 1", refreshes.Load())
	}
}

func TestSecretsStayOutOfStringsAndErrors(t *testing.T) {
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		// A hostile or buggy server that echoes what it was sent.
		http.Error(w, "rejected "+r.Form.Encode(), 400)
	}))
	defer tokenSrv.Close()
	tokenHC := &http.Client{Transport: &http.Transport{}}
	defer tokenHC.CloseIdleConnections()
	src := RefreshTokenAt(tokenSrv.URL, "client-id", "very-secret-client", "very-secret-refresh", tokenHC)
	for _, s := range []string{fmt.Sprint(src), fmt.Sprintf("%v %+v %#v", src, src, src), fmt.Sprint(StaticToken("very-secret-access")), fmt.Sprintf("%#v", StaticToken("very-secret-access"))} {
		if strings.Contains(s, "very-secret") {
			t.Errorf("a secret is printed: %s", s)
		}
	}
	ts := newTokenSource(src, time.Now)
	_, err := ts.token(context.Background())
	if err == nil {
		t.Fatal("the refresh succeeded against a server that rejects it")
	}
	if strings.Contains(err.Error(), "very-secret") {
		t.Errorf("a secret is in the error: %v", err)
	}
}

func TestEstimateObserverAndCostOverrides(t *testing.T) {
	var admitted atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, "7", "90000", map[string]any{"id": "1"})
	}, func(cfg *Config) {
		cfg.Costs = credits.CostOptions{Overrides: map[string]int64{"GET /tickets/{id}": 7}}
		cfg.Observer = credits.Observer{OnAdmit: func(credits.AdmitEvent) { admitted.Add(1) }}
		cfg.Budget = credits.Budget{Cap: 0.5, InteractiveReserve: 0.2}
	})
	get := credits.Call{Method: "GET", Path: "/tickets/123"}
	est, err := c.Estimate(context.Background(), get, get, get)
	if err != nil {
		t.Fatal(err)
	}
	if est.Calls != 3 || est.Credits != 21 || !est.FitsToday || est.Available != 47_500 {
		t.Errorf("Estimate = %+v, want 3 calls, 21 credits, 47500 available", est)
	}
	bg, err := c.Estimate(credits.WithPriority(context.Background(), credits.Background), get)
	if err != nil {
		t.Fatal(err)
	}
	if bg.Available != 47_500-9_500 {
		t.Errorf("background Available = %d, want the cap less the interactive reserve (38000)", bg.Available)
	}
	_, resp, err := c.Tickets.Get(context.Background(), "123")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Credits.Estimate != 7 || admitted.Load() != 1 {
		t.Errorf("estimate %d, admits observed %d; want 7 and 1", resp.Credits.Estimate, admitted.Load())
	}
	if u := c.Usage(); u.Spent != 7 {
		t.Errorf("Usage().Spent = %d, want 7", u.Spent)
	}
}

func TestThresholdExceededStopsTheOrganisation(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, "", "0", map[string]any{"errorCode": "THRESHOLD_EXCEEDED", "message": "spent"})
	})
	_, _, err := c.Tickets.Get(context.Background(), "1")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrThresholdExceeded) {
		t.Fatalf("first call: %v, want Desk's THRESHOLD_EXCEEDED", err)
	}
	_, _, err = c.Tickets.Get(context.Background(), "2")
	var refusal *credits.Refusal
	if !errors.As(err, &refusal) || !errors.Is(err, ErrThresholdExceeded) {
		t.Fatalf("second call: %v, want a refusal before sending", err)
	}
	if refusal.Reset.Sub(time.Now()) < 59*time.Minute {
		t.Errorf("refusal lifts at %v, want about an hour from now (Retry-After)", refusal.Reset)
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d calls, want 1: the stop must hold calls back", calls.Load())
	}
}

func TestWaitForResetWaitsOutTheStop(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, "", "", map[string]any{"errorCode": "THRESHOLD_EXCEEDED", "message": "spent"})
			return
		}
		writeJSON(w, 200, "1", "95000", map[string]any{"id": "1"})
	}, func(cfg *Config) { cfg.Budget.OnExhausted = credits.WaitForReset })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := c.Tickets.Get(ctx, "1"); err != nil {
		t.Fatalf("Get under WaitForReset: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("server saw %d calls, want 2 (the stop, then the call after it)", calls.Load())
	}
}
