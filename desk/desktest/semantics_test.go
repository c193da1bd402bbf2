package desktest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestDeskSemantics(t *testing.T) {
	s, _ := newFake(t, Options{})
	tok := "Zoho-oauthtoken " + s.AccessToken()
	tests := []struct {
		name       string
		method     string
		path       string
		headers    map[string]string // nil: valid token and orgId
		wantStatus int
		wantCode   string
		charged    bool
	}{
		{"list", "GET", "/tickets", nil, 200, "", true},
		{"no token", "GET", "/tickets", map[string]string{"orgId": s.OrgID()}, 401, "UNAUTHORIZED", false},
		{"bad token", "GET", "/tickets", map[string]string{"Authorization": "Zoho-oauthtoken 1000.nope", "orgId": s.OrgID()}, 401, "INVALID_OAUTH", false},
		{"bearer scheme", "GET", "/tickets", map[string]string{"Authorization": "Bearer " + s.AccessToken(), "orgId": s.OrgID()}, 401, "UNAUTHORIZED", false},
		{"no orgId", "GET", "/tickets", map[string]string{"Authorization": tok}, 400, "INVALID_DATA", false},
		{"wrong orgId", "GET", "/tickets", map[string]string{"Authorization": tok, "orgId": "123"}, 401, "OAUTH_ORG_MISMATCH", false},
		{"organizations need no orgId", "GET", "/organizations", map[string]string{"Authorization": tok}, 200, "", true},
		{"organization by id", "GET", "/organizations/" + s.OrgID(), map[string]string{"Authorization": tok}, 200, "", true},
		{"unknown path", "GET", "/nothing", nil, 404, "URL_NOT_FOUND", false},
		{"non-numeric id", "GET", "/tickets/abc", nil, 404, "URL_NOT_FOUND", false},
		{"unknown ticket", "GET", "/tickets/1", nil, 404, "URL_NOT_FOUND", true},
		{"wrong method", "DELETE", "/tickets/1", nil, 405, "METHOD_NOT_ALLOWED", false},
		{"limit 0", "GET", "/tickets?limit=0", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"limit 101", "GET", "/tickets?limit=101", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"limit 100", "GET", "/tickets?limit=100", nil, 200, "", true},
		{"negative from", "GET", "/tickets?from=-1", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"unknown parameter", "GET", "/tickets?colour=red", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"bad include", "GET", "/tickets?include=everything", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"bad sortBy", "GET", "/tickets?sortBy=colour", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"empty page", "GET", "/tickets?from=100000", nil, 204, "", true},
		{"search from 999", "GET", "/tickets/search?from=999&subject=*a*", nil, 204, "", true},
		{"search from 1000", "GET", "/tickets/search?from=1000", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"global search from 5000", "GET", "/search?searchStr=abc&from=5000", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"search tag and customField", "GET", "/tickets/search?tag=urgent&customField1=cf_order_id:5*&limit=1", nil, 200, "", true},
		{"search customField no match", "GET", "/tickets/search?customField1=cf_model:F3*", nil, 204, "", true},
		{"search customField notempty", "GET", "/tickets/search?customField2=cf_order_id:${notempty}&limit=1", nil, 200, "", true},
		{"search customField empty", "GET", "/tickets/search?customField3=cf_order_id:${empty}", nil, 204, "", true},
		{"search customField without colon", "GET", "/tickets/search?customField1=cf_order_id", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"agents role filters", "GET", "/agents?roleIds=1,2&profileIds=3&rolePermissionType=${NON_LIGHT}&fieldName=emailId&searchStr=a*", nil, 204, "", true},
		{"agents cf search", "GET", "/agents?cfFieldName=cf_badge&cfSearchStr=B*", nil, 204, "", true},
		{"agents cf search half", "GET", "/agents?cfSearchStr=B*", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"agents bad rolePermissionType", "GET", "/agents?rolePermissionType=Owner", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"accounts sortBy website", "GET", "/accounts?sortBy=-website&limit=1", nil, 200, "", true},
		{"accounts include", "GET", "/accounts?include=owner", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"departments chatStatus", "GET", "/departments?chatStatus=AVAILABLE&isEnabled=true", nil, 200, "", true},
		{"departments unavailable for chat", "GET", "/departments?chatStatus=${UNAVAILABLE}", nil, 204, "", true},
		{"departments bad chatStatus", "GET", "/departments?chatStatus=OFF", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"tickets include isRead", "GET", "/tickets?include=isRead", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"threads sortBy sendDateTime", "GET", "/tickets/1/threads?sortBy=-sendDateTime", nil, 404, "URL_NOT_FOUND", true},
		{"threads sortBy createdTime", "GET", "/tickets/1/threads?sortBy=createdTime", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"agents sortBy", "GET", "/agents?sortBy=firstName", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"agents sortOrder", "GET", "/agents?sortOrder=desc&status=DELETED", nil, 204, "", true},
		{"agents include department", "GET", "/agents?include=associatedDepartments", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"contacts sortBy email", "GET", "/contacts?sortBy=-email", nil, 200, "", true},
		{"contacts sortBy bogus", "GET", "/contacts?sortBy=colour", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"search bad range", "GET", "/tickets/search?createdTimeRange=yesterday", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"global search without searchStr", "GET", "/search?limit=1", nil, 200, "", true},
		{"global search searchStr too long", "GET", "/search?searchStr=" + strings.Repeat("a", 101), nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"global search sort by createdTime", "GET", "/search?searchStr=abc&sortBy=createdTime", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"global search in tasks", "GET", "/search?searchStr=abc&module=tasks", nil, 204, "", true},
		{"global search in products", "GET", "/search?searchStr=abc&module=products", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"count by status", "GET", "/ticketsCount?status=Closed", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"count by viewId", "GET", "/ticketsCount?viewId=1", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"count by contact and category", "GET", "/ticketsCount?contactId=1&category=General", nil, 200, "", true},
		{"count bad range", "GET", "/ticketsCount?modifiedTimeRange=yesterday", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"agents limit 200", "GET", "/agents?limit=200", nil, 200, "", true},
		{"agents limit 201", "GET", "/agents?limit=201", nil, 422, "UNPROCESSABLE_ENTITY", true},
		{"departments", "GET", "/departments", nil, 200, "", true},
		{"contacts", "GET", "/contacts?limit=5&include=accounts", nil, 200, "", true},
		{"accounts", "GET", "/accounts?sortBy=-accountName", nil, 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Charged()
			var r result
			if tt.headers == nil {
				r = do(t, s, tt.method, tt.path, "")
			} else {
				r = doWith(t, s, tt.method, tt.path, "", tt.headers)
			}
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if c := r.code(t); c != tt.wantCode {
				t.Errorf("errorCode %q, want %q", c, tt.wantCode)
			}
			hasWeight := r.header.Get(credits.HeaderWeight) != ""
			if hasWeight != tt.charged || (s.Charged() > before) != tt.charged {
				t.Errorf("charged: header %v, ledger %d->%d, want charged=%v", hasWeight, before, s.Charged(), tt.charged)
			}
		})
	}
}

func TestCostTableAndPaging(t *testing.T) {
	s, _ := newFake(t, Options{Tickets: 250, Cost: CostTable(credits.DefaultCostTable(), map[string]int64{"GET /tickets/{id}": 2})})
	seen := map[string]bool{}
	for from := 0; ; from += 100 {
		r := do(t, s, "GET", "/tickets?limit=100&from="+strconv.Itoa(from), "")
		if r.status == http.StatusNoContent {
			break
		}
		var page struct {
			Data []struct{ ID, CreatedTime string }
		}
		r.json(t, &page)
		for _, tk := range page.Data {
			if seen[tk.ID] {
				t.Fatalf("ticket %s twice", tk.ID)
			}
			seen[tk.ID] = true
			if len(tk.ID) != 18 {
				t.Errorf("id %q is not 18 digits", tk.ID)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", tk.CreatedTime); err != nil {
				t.Errorf("createdTime %q: %v", tk.CreatedTime, err)
			}
		}
	}
	if len(seen) != 250 {
		t.Fatalf("paged %d tickets, want 250", len(seen))
	}
	for id := range seen {
		r := do(t, s, "GET", "/tickets/"+id+"?include=contacts,assignee,departments", "")
		if w := r.header.Get(credits.HeaderWeight); w != "2" {
			t.Errorf("overridden weight %q, want 2", w)
		}
		if !bytes.Contains(r.body, []byte(`"threadCount":"`)) || !bytes.Contains(r.body, []byte(`"department":{`)) {
			t.Errorf("detail view lacks threadCount string or department: %s", r.body)
		}
		break
	}
}

func TestDeterministicData(t *testing.T) {
	a, _ := newFake(t, Options{Seed: 7})
	b, _ := newFake(t, Options{Seed: 7})
	c, _ := newFake(t, Options{Seed: 8})
	pa := do(t, a, "GET", "/tickets?limit=20&from=40", "").body
	pb := do(t, b, "GET", "/tickets?limit=20&from=40", "").body
	pc := do(t, c, "GET", "/tickets?limit=20&from=40", "").body
	if !bytes.Equal(pa, pb) || a.OrgID() != b.OrgID() || a.AccessToken() != b.AccessToken() {
		t.Error("same seed gave different data")
	}
	if bytes.Equal(pa, pc) {
		t.Error("different seeds gave the same data")
	}
}

func TestThresholdAndReset(t *testing.T) {
	s, fc := newFake(t, Options{Plan: credits.Plan{Edition: credits.Free}, Zone: time.FixedZone("IST", 5*3600+1800)})
	if s.Daily() != 5000 {
		t.Fatalf("daily %d", s.Daily())
	}
	s.SpendExternal(4998)
	r := do(t, s, "GET", "/tickets", "") // costs 3, 2 left
	if r.status != http.StatusTooManyRequests || r.code(t) != "THRESHOLD_EXCEEDED" {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	// Midday UTC is 17:30 in IST: the reset is 6.5 h away.
	if ra := r.header.Get("Retry-After"); ra != strconv.Itoa(int((6*time.Hour+30*time.Minute)/time.Second)) {
		t.Errorf("Retry-After %q", ra)
	}
	if rem := r.header.Get(credits.HeaderRemaining); rem != "2" {
		t.Errorf("remaining %q", rem)
	}
	if r := do(t, s, "GET", "/tickets/1", ""); r.status != 404 || r.header.Get(credits.HeaderRemaining) != "1" {
		t.Errorf("a 1-credit call should still pass: %d %v", r.status, r.header)
	}
	if err := s.AdvanceToReset(); err != nil {
		t.Fatal(err)
	}
	if got := fc.Now(); !got.Equal(time.Date(2025, 11, 3, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("reset at %v", got)
	}
	if r := do(t, s, "GET", "/tickets", ""); r.status != 200 || r.header.Get(credits.HeaderRemaining) != "4997" {
		t.Errorf("after reset: %d %v", r.status, r.header)
	}
}

func TestExternalSpread(t *testing.T) {
	s, fc := newFake(t, Options{External: 24_000}) // midday: 12,000 already spent
	if got := s.Remaining(); got != 95_000-12_000 {
		t.Fatalf("remaining at midday %d", got)
	}
	fc.Advance(6 * time.Hour)
	if got := s.Remaining(); got != 95_000-18_000 {
		t.Errorf("remaining at 18:00 %d", got)
	}
	s.SetExternal(0)
	fc.Advance(time.Hour)
	if got := s.Remaining(); got != 95_000-18_000 {
		t.Errorf("remaining after stopping %d", got)
	}
	fc.Advance(6 * time.Hour) // next day
	if got := s.Remaining(); got != 95_000 {
		t.Errorf("remaining next day %d", got)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	s, _ := newFake(t, Options{Concurrency: 2})
	if _, err := s.InjectFault(Fault{Kind: FaultLatency, Latency: 300 * time.Millisecond, Route: "GET /tickets"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([]string, 4)
	for i := range codes {
		wg.Go(func() {
			r := do(t, s, "GET", "/tickets", "")
			codes[i] = strconv.Itoa(r.status) + r.code(t)
		})
	}
	wg.Wait()
	n429 := 0
	for _, c := range codes {
		if c == "429TOO_MANY_REQUESTS" {
			n429++
		}
	}
	if n429 != 2 {
		t.Errorf("codes %v: want two TOO_MANY_REQUESTS", codes)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		check  func(t *testing.T, r result, err error)
		charge bool
	}{
		{"server error", Fault{Kind: FaultServerError, Status: 503, Times: 1}, func(t *testing.T, r result, err error) {
			if r.status != 503 || r.code(t) != "INTERNAL_SERVER_ERROR" || r.header.Get(credits.HeaderWeight) != "" {
				t.Errorf("got %d %v %s", r.status, r.header, r.body)
			}
		}, false},
		{"malformed body", Fault{Kind: FaultMalformedBody, Times: 1}, func(t *testing.T, r result, err error) {
			if r.status != 200 || r.header.Get(credits.HeaderWeight) != "3" || bytes.HasSuffix(r.body, []byte("}")) {
				t.Errorf("got %d %v %q", r.status, r.header, r.body)
			}
		}, true},
		{"missing headers", Fault{Kind: FaultMissingHeaders, Times: 1}, func(t *testing.T, r result, err error) {
			if r.status != 200 || r.header.Get(credits.HeaderWeight) != "" || r.header.Get(credits.HeaderRemaining) != "" {
				t.Errorf("got %d %v", r.status, r.header)
			}
		}, true},
		{"malformed headers", Fault{Kind: FaultMalformedHeaders, Times: 1}, func(t *testing.T, r result, err error) {
			o := credits.ParseObservation(r.status, r.header, start)
			if r.status != 200 || o.HasWeight || o.HasRemaining || len(o.Problems) != 2 {
				t.Errorf("got %d %+v", r.status, o)
			}
		}, true},
		{"drop", Fault{Kind: FaultDrop, Times: 1}, func(t *testing.T, r result, err error) {
			if err == nil {
				t.Errorf("want a transport error, got %d", r.status)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newFake(t, Options{})
			if _, err := s.InjectFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			r, err := rawGet(s, "/tickets")
			tt.check(t, r, err)
			if got := s.Charged() > 0; got != tt.charge {
				t.Errorf("charged %d, want charged=%v", s.Charged(), tt.charge)
			}
			if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Fault != tt.fault.Kind {
				t.Errorf("record %+v", reqs)
			}
			// Times: 1 means the next call is clean.
			if r := do(t, s, "GET", "/tickets", ""); r.status != 200 || r.header.Get(credits.HeaderWeight) != "3" {
				t.Errorf("second call %d %v", r.status, r.header)
			}
		})
	}
}

func rawGet(s *Server, path string) (result, error) {
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+s.AccessToken())
	req.Header.Set("orgId", s.OrgID())
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return result{resp.StatusCode, resp.Header, buf.Bytes()}, nil
}

func TestFaultProbabilityDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		s, _ := newFake(t, Options{Seed: seed, Tickets: 10})
		if _, err := s.InjectFault(Fault{Kind: FaultServerError, Probability: 0.3, Route: "GET /tickets/{id}"}); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for range 40 {
			b.WriteString(strconv.Itoa(do(t, s, "GET", "/tickets/1", "").status / 100))
		}
		do(t, s, "GET", "/tickets", "") // another route: never faulted
		return b.String()
	}
	a, b, c := run(3), run(3), run(4)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	if n := strings.Count(a, "5"); n < 4 || n > 24 {
		t.Errorf("%d faults of 40 at p=0.3: %s", n, a)
	}
}

func TestInvalidFaults(t *testing.T) {
	s, _ := newFake(t, Options{Tickets: 1})
	for _, f := range []Fault{{}, {Kind: FaultServerError, Probability: 2}, {Kind: FaultLatency}, {Kind: FaultServerError, Status: 404}, {Kind: FaultDrop, Times: -1}} {
		if _, err := s.InjectFault(f); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestLegacyOrg(t *testing.T) {
	s, _ := newFake(t, Options{Legacy: true, LegacyDailyLimit: 2})
	for i, want := range []int{200, 200, 429} {
		r := do(t, s, "GET", "/tickets", "")
		if r.status != want || r.header.Get(credits.HeaderWeight) != "" || r.header.Get(credits.HeaderRemaining) != "" {
			t.Errorf("call %d: %d %v", i, r.status, r.header)
		}
	}
}

func TestTokenEndpoint(t *testing.T) {
	s, fc := newFake(t, Options{Tickets: 1, TokenTTL: time.Minute})
	refresh := func(rt string) (int, map[string]any) {
		resp, err := s.Client().PostForm(s.TokenURL(), url.Values{"grant_type": {"refresh_token"},
			"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}, "refresh_token": {rt}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		r := result{body: mustRead(resp)}
		r.json(t, &m)
		return resp.StatusCode, m
	}
	if st, m := refresh("wrong"); st != 200 || m["error"] != "invalid_code" {
		t.Errorf("bad refresh token: %d %v", st, m)
	}
	st, m := refresh(s.RefreshToken())
	tok, _ := m["access_token"].(string)
	if st != 200 || tok == "" || m["expires_in"] != float64(60) {
		t.Fatalf("refresh: %d %v", st, m)
	}
	s.RevokeAccessTokens()
	if r := do(t, s, "GET", "/tickets", ""); r.status != 401 || r.code(t) != "INVALID_OAUTH" {
		t.Errorf("revoked initial token: %d %s", r.status, r.body)
	}
	withTok := map[string]string{"Authorization": "Zoho-oauthtoken " + tok, "orgId": s.OrgID()}
	if r := doWith(t, s, "GET", "/tickets", "", withTok); r.status != 401 {
		t.Errorf("revoked refreshed token: %d", r.status)
	}
	_, m = refresh(s.RefreshToken())
	withTok["Authorization"] = "Zoho-oauthtoken " + m["access_token"].(string)
	if r := doWith(t, s, "GET", "/tickets", "", withTok); r.status != 200 {
		t.Errorf("new token: %d %s", r.status, r.body)
	}
	fc.Advance(time.Minute)
	if r := doWith(t, s, "GET", "/tickets", "", withTok); r.code(t) != "INVALID_OAUTH" {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
	for range 8 {
		refresh(s.RefreshToken())
	}
	if st, m := refresh(s.RefreshToken()); st != 400 || m["error"] != "Access Denied" {
		t.Errorf("11th refresh in 10 minutes: %d %v", st, m)
	}
	if s.Refreshes() != 10 {
		t.Errorf("Refreshes() = %d", s.Refreshes())
	}
	for _, rq := range s.Requests() {
		if strings.Contains(rq.Header.Get("Authorization"), tok) || strings.Contains(rq.Header.Get("Authorization"), "1000.") {
			t.Errorf("token recorded: %v", rq.Header)
		}
	}
}

func mustRead(resp *http.Response) []byte {
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return buf.Bytes()
}

func TestClockNotControllable(t *testing.T) {
	s := NewServer(Options{Tickets: 1})
	defer s.Close()
	if err := s.AdvanceToReset(); err != ErrClockNotControllable {
		t.Errorf("got %v", err)
	}
}

// TestSpecContactAndThreadLimits checks two points verified against
// zoho/zohodesk-oas v1.0: the contact create/update body takes every field
// of Contact.json's contactjson (zip as a string or a number, facebook,
// twitter, language, layoutId, cf and customFields), and the threads list,
// whose limit Thread.json leaves without a maximum, stops at 100 like the
// typed client.
func TestSpecContactAndThreadLimits(t *testing.T) {
	s, _ := newFake(t, Options{})
	var tickets struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(do(t, s, "GET", "/tickets?limit=1", "").body, &tickets); err != nil || len(tickets.Data) != 1 {
		t.Fatalf("tickets: %v", err)
	}
	threads := "/tickets/" + tickets.Data[0].ID + "/threads"
	if r := do(t, s, "GET", threads+"?limit=101", ""); r.status != 422 || r.code(t) != "UNPROCESSABLE_ENTITY" {
		t.Errorf("threads limit 101: status %d, body %s", r.status, r.body)
	}
	if r := do(t, s, "GET", threads+"?limit=100", ""); r.status != 200 && r.status != 204 {
		t.Errorf("threads limit 100: status %d, body %s", r.status, r.body)
	}

	body := `{"lastName":"Jack","firstName":"Hugh","email":"jack@zylker.com","secondaryEmail":"hughjack@zylker.com",
		"phone":"5550100011","mobile":"+1 555 010 0010","type":"paidUser","title":"The contact","description":"first priority contact",
		"street":"North street","city":"Texas","state":"Austin","country":"USA","zip":123902,"facebook":"hugh jacks","twitter":"Hugh jack",
		"language":"English","cf":{"cf_tier":"Gold"},"customFields":{"Tier":"Gold"}}`
	r := do(t, s, "POST", "/contacts", body)
	if r.status != 200 {
		t.Fatalf("create with every contactjson field: status %d, body %s", r.status, r.body)
	}
	var got map[string]any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"zip": "123902", "facebook": "hugh jacks", "twitter": "Hugh jack", "language": "English"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	id, _ := got["id"].(string)
	if r := do(t, s, "PATCH", "/contacts/"+id, `{"zip":"ab-12"}`); r.status != 422 || r.code(t) != "INVALID_DATA" {
		t.Errorf("non-numeric zip: status %d, body %s", r.status, r.body)
	}
	if r := do(t, s, "PATCH", "/contacts/"+id, `{"layoutId":"x"}`); r.status != 422 {
		t.Errorf("non-numeric layoutId: status %d, body %s", r.status, r.body)
	}
}
