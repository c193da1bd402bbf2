// Package desktest is a faithful in-memory fake of the Zoho Desk REST API,
// for tests and examples. It serves Desk's endpoints over
// net/http/httptest, with Desk's semantics: OAuth and orgId headers,
// from/limit paging with 204 on an empty page, 422 for unknown query
// parameters, Desk's error bodies, and API credits charged from the plan's
// daily allotment and reported in the X-Rate-Limit-*-v3 headers.
//
// It also gives tests the controls a real organisation cannot: a clock the
// test moves, other integrations spending from the same pool, deterministic
// fault injection, an OAuth token endpoint whose tokens can be revoked, and
// a record of every request with what it was charged.
//
// It is not a conformance suite: its data is generated, its cost table is a
// configurable estimate, and endpoints outside the typed client's coverage
// answer 404 URL_NOT_FOUND.
package desktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/internal/digits"
)

// APIPrefix is the path of the API root on the server.
const APIPrefix = "/api/v1"

// Default sizes of the generated organisation.
const (
	DefaultTickets     = 3000
	DefaultContacts    = 600
	DefaultAccounts    = 120
	DefaultDepartments = 3
	DefaultMaxRecorded = 200_000
)

// maxBody bounds a request body; a larger one is RESOURCE_SIZE_EXCEEDED.
const maxBody = 1 << 20

// Options configure a Server. The zero value is a Professional organisation
// with 40 agents, generated from seed 1, whose credit day runs in UTC on the
// system clock.
type Options struct {
	// Plan fixes the daily allotment and the concurrency limit. The zero
	// value means Professional with 40 agents.
	Plan credits.Plan
	// Seed makes the generated data and the fault decisions reproducible.
	// 0 means 1.
	Seed uint64
	// Zone is the time zone of the credit day (it resets at midnight there).
	// nil means UTC.
	Zone *time.Location
	// Clock is the server's time: credit days, token expiry, record times.
	// nil means the system clock. A *clock.Fake from internal/clock (or any
	// clock with Advance/Set methods) enables [Server.Advance] and
	// [Server.AdvanceToReset].
	Clock credits.Clock

	// Sizes of the generated data; 0 means the Default* constant, negative
	// means none. There are Plan.Agents agents (at least one) and
	// Plan.LightAgents light agents.
	Tickets, Contacts, Accounts, Departments int

	// Cost prices a call in credits; it must return a positive number. nil
	// means credits' default Desk table (credits.DefaultCostTable), which a
	// test may make differ from the client's estimates with [CostTable].
	Cost func(credits.Call) int64
	// Concurrency is the number of calls the portal may have in flight;
	// 0 means Plan.Concurrency().
	Concurrency int
	// External is the number of credits other integrations spend each day,
	// spread evenly over the day as the clock moves (see [Server.SetExternal]).
	External int64

	// Legacy makes the organisation one not yet moved to credits: no credit
	// headers are ever sent, every call counts 1 against LegacyDailyLimit
	// (0 means 10,000 calls a day), and THRESHOLD_EXCEEDED follows once the
	// day's calls are spent.
	Legacy           bool
	LegacyDailyLimit int64

	// TokenTTL is the life of access tokens issued by the token endpoint;
	// 0 means 3600 s. The initial token ([Server.AccessToken]) never expires
	// (it can be revoked).
	TokenTTL time.Duration
	// MaxRecorded bounds the requests kept for [Server.Requests]; older ones
	// are dropped first. 0 means DefaultMaxRecorded; negative keeps none.
	MaxRecorded int
}

// Server is a fake Zoho Desk organisation served over HTTP. All its methods
// are safe for concurrent use, and so is the HTTP handler.
type Server struct {
	ts    *httptest.Server
	clock credits.Clock
	zone  *time.Location
	plan  credits.Plan
	seed  uint64
	cost  func(credits.Call) int64

	legacy      bool
	daily       int64 // allotment per day (credits, or calls when legacy)
	concurrency int64
	inflight    atomic.Int64

	// data
	mu   sync.RWMutex
	data *dataset

	// credits
	cmu       sync.Mutex
	dayStart  time.Time
	nextReset time.Time
	spent     int64 // today, by everyone
	extPerDay int64
	extDone   int64 // of extPerDay, already added to spent today
	charged   int64 // by the calls to this server, all days

	auth   authState
	faults faultSet
	rec    recorder
}

// NewServer generates an organisation from opts and starts serving it on a
// loopback address. It panics if opts are invalid (an invalid plan, a
// negative External), as httptest.NewServer panics when it cannot listen.
// Call Close when done.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	s.ts = httptest.NewServer(s)
	return s
}

func newServer(opts Options) *Server {
	if opts.Plan == (credits.Plan{}) {
		opts.Plan = credits.Plan{Edition: credits.Professional, Agents: 40}
	}
	if err := opts.Plan.Validate(); err != nil {
		panic("desktest: Options.Plan: " + err.Error())
	}
	if opts.External < 0 {
		panic("desktest: Options.External is negative")
	}
	if opts.LegacyDailyLimit < 0 {
		panic("desktest: Options.LegacyDailyLimit is negative")
	}
	s := &Server{
		clock:     opts.Clock,
		zone:      opts.Zone,
		plan:      opts.Plan,
		seed:      opts.Seed,
		cost:      opts.Cost,
		legacy:    opts.Legacy,
		extPerDay: opts.External,
	}
	if s.seed == 0 {
		s.seed = 1
	}
	if s.clock == nil {
		s.clock = credits.SystemClock()
	}
	if s.zone == nil {
		s.zone = time.UTC
	}
	if s.cost == nil {
		s.cost = CostTable(credits.DefaultCostTable(), nil)
	}
	s.daily = s.plan.Daily()
	if s.legacy {
		s.daily = opts.LegacyDailyLimit
		if s.daily == 0 {
			s.daily = 10_000
		}
	}
	s.concurrency = int64(opts.Concurrency)
	if s.concurrency <= 0 {
		s.concurrency = int64(s.plan.Concurrency())
	}
	ttl := opts.TokenTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	s.auth.init(s.seed, ttl)
	s.faults.seed = s.seed
	maxRec := opts.MaxRecorded
	if maxRec == 0 {
		maxRec = DefaultMaxRecorded
	}
	s.rec.max = maxRec
	s.data = generate(genSizes{
		tickets:     sizeOr(opts.Tickets, DefaultTickets),
		contacts:    sizeOr(opts.Contacts, DefaultContacts),
		accounts:    sizeOr(opts.Accounts, DefaultAccounts),
		departments: max(sizeOr(opts.Departments, DefaultDepartments), 1),
		agents:      max(s.plan.Agents, 1),
		lightAgents: s.plan.LightAgents,
	}, s.seed, s.clock.Now(), s.plan.Edition)
	return s
}

func sizeOr(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// CostTable returns a cost function pricing calls by t, with overrides
// keyed like credits.Route ("GET /tickets/{id}") winning over the table. It
// panics if t or an override is invalid (a cost that is not positive).
// Use it to make the server's prices differ from the client's estimates.
func CostTable(t credits.CostTable, overrides map[string]int64) func(credits.Call) int64 {
	m, err := credits.NewCostModel(credits.CostOptions{Table: &t, Overrides: overrides, NoLearning: true})
	if err != nil {
		panic("desktest: CostTable: " + err.Error())
	}
	return m.Estimate
}

// URL returns the API root, e.g. "http://127.0.0.1:PORT/api/v1".
func (s *Server) URL() string { return s.ts.URL + APIPrefix }

// TokenURL returns the OAuth token endpoint, "http://127.0.0.1:PORT/oauth/v2/token".
func (s *Server) TokenURL() string { return s.ts.URL + "/oauth/v2/token" }

// Client returns an HTTP client for the server (httptest's own).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close shuts the server down, blocking until all outstanding requests on
// it have completed.
func (s *Server) Close() { s.ts.Close() }

// OrgID returns the organisation's ID, to send as the orgId header.
func (s *Server) OrgID() string { return s.data.orgID }

// Plan returns the organisation's plan.
func (s *Server) Plan() credits.Plan { return s.plan }

// Daily returns the day's allotment: Plan().Daily(), or the legacy daily
// call limit for a legacy organisation.
func (s *Server) Daily() int64 { return s.daily }

// Now returns the server's clock reading.
func (s *Server) Now() time.Time { return s.clock.Now() }

// ClientConfig returns a desk.Config for this server: its BaseURL (plain
// http allowed), OrgID, a static token source with [Server.AccessToken],
// the server's Plan, Zone and Clock. Callers may change any field (for a
// legacy organisation, set the client's legacy mode themselves).
func (s *Server) ClientConfig() desk.Config {
	return desk.Config{
		BaseURL:           s.URL(),
		AllowInsecureHTTP: true,
		OrgID:             s.OrgID(),
		TokenSource:       desk.StaticToken(s.AccessToken()),
		Plan:              s.plan,
		Zone:              s.zone,
		Clock:             s.clock,
	}
}

// errorBody is Desk's error JSON.
type errorBody struct {
	ErrorCode string       `json:"errorCode"`
	Message   string       `json:"message"`
	Errors    []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	FieldName    string `json:"fieldName"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// Desk's messages for its error codes.
var errorMessages = map[string]string{
	"URL_NOT_FOUND":          "The URL you requested could not be found on our server. Check and try again.",
	"METHOD_NOT_ALLOWED":     "The requested method is not allowed for this resource.",
	"UNPROCESSABLE_ENTITY":   "The request cannot be processed as the parameters did not satisfy the requirements.",
	"INVALID_DATA":           "The data is invalid due to validation restrictions",
	"UNAUTHORIZED":           "You are not authenticated to perform this operation.",
	"INVALID_OAUTH":          "The OAuth Token you provided is invalid.",
	"OAUTH_ORG_MISMATCH":     "The OAuth Token you provided is invalid for this organization.",
	"THRESHOLD_EXCEEDED":     "The API credits allotted for the day have been used up. Try again after the reset.",
	"TOO_MANY_REQUESTS":      "Too many concurrent requests for the portal. Try again later.",
	"INTERNAL_SERVER_ERROR":  "An internal server error occurred while processing the request.",
	"RESOURCE_SIZE_EXCEEDED": "The request size exceeds the limit.",
	"EMPTY_PAYLOAD":          "The payload is empty.",
	"UNSUPPORTED_MEDIA_TYPE": "The media type of the request is not supported.",
	"BAD_REQUEST":            "The request could not be processed.",
}

// reply is a response being built, written to the wire only at the end so
// that faults can alter or drop it.
type reply struct {
	status int
	header http.Header
	body   []byte
	code   string // Desk's errorCode, for the record
}

func jsonReply(status int, v any) *reply {
	b, err := json.Marshal(v)
	if err != nil {
		return errReply(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "")
	}
	return &reply{status: status, body: b}
}

func emptyReply(status int) *reply { return &reply{status: status} }

func errReply(status int, code, msg string, errs ...fieldError) *reply {
	if msg == "" {
		msg = errorMessages[code]
	}
	r := jsonReply(status, errorBody{ErrorCode: code, Message: msg, Errors: errs})
	r.status, r.code = status, code
	return r
}

func invalidData(errs ...fieldError) *reply {
	return errReply(http.StatusUnprocessableEntity, "INVALID_DATA", "", errs...)
}

func unprocessable(field, errType, msg string) *reply {
	return errReply(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "",
		fieldError{FieldName: field, ErrorType: errType, ErrorMessage: msg})
}

func notFoundURL() *reply { return errReply(http.StatusNotFound, "URL_NOT_FOUND", "") }

// call is one request as the handlers see it.
type call struct {
	s      *Server
	r      *http.Request
	route  *route
	params []string // path parameters in order
	query  url.Values
	body   []byte
	now    time.Time
}

// ServeHTTP serves the fake API and the token endpoint. It makes Server an
// http.Handler, so it can also be mounted on a caller's own server.
//
// Checks run in this order: route (404 URL_NOT_FOUND, 405), token (401
// UNAUTHORIZED or INVALID_OAUTH), orgId (400 INVALID_DATA when missing, 401
// OAUTH_ORG_MISMATCH when wrong), concurrency (429 TOO_MANY_REQUESTS), then
// credits (429 THRESHOLD_EXCEEDED with Retry-After when the day has less
// left than the call costs). A call that passes them all is charged, and
// carries the credit headers, whatever the handler answers (200, 204, 404 for
// an unknown record, 422); a call refused earlier is charged nothing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/v2/token" {
		s.serveToken(w, r)
		return
	}
	now := s.clock.Now()
	rec := Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: redactHeader(r.Header)}
	rp, charged, remaining, fault := s.serve(r, now)
	rec.Status, rec.Code, rec.Charged, rec.Remaining, rec.Fault = rp.status, rp.code, charged, remaining, fault.kind
	if rr := routeOf(r.Method, r.URL.Path); rr != "" {
		rec.Route = rr
	}
	if fault.kind == FaultDrop {
		rec.Status = 0
		s.rec.add(rec)
		drop(w)
		return
	}
	s.rec.add(rec)
	h := w.Header()
	for k, vs := range rp.header {
		h[k] = vs
	}
	if rp.body != nil {
		h.Set("Content-Type", "application/json;charset=UTF-8")
		h.Set("Content-Length", strconv.Itoa(len(rp.body)))
	}
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	w.WriteHeader(rp.status)
	if rp.body != nil && r.Method != http.MethodHead {
		_, _ = w.Write(rp.body)
	}
}

func routeOf(method, path string) string {
	p, ok := strings.CutPrefix(path, APIPrefix)
	if !ok {
		return ""
	}
	return credits.Route(method, p)
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// serve runs one API call through Desk's checks in Desk's order: route,
// authentication, organisation, concurrency, credits, then the handler.
func (s *Server) serve(r *http.Request, now time.Time) (rp *reply, charged, remaining int64, f firedFault) {
	remaining = -1
	path, ok := strings.CutPrefix(r.URL.Path, APIPrefix)
	if !ok {
		return notFoundURL(), 0, -1, f
	}
	rt, params, methodOK := match(r.Method, path)
	if rt == nil {
		if methodOK {
			return errReply(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", ""), 0, -1, f
		}
		return notFoundURL(), 0, -1, f
	}
	routeKey := credits.Route(r.Method, path)
	f = s.faults.pick(routeKey)

	if rp := s.auth.check(r, now); rp != nil {
		return rp, 0, -1, f
	}
	if !rt.noOrg {
		switch org := r.Header.Get("orgId"); {
		case org == "":
			return errReply(http.StatusBadRequest, "INVALID_DATA", "The orgId header is missing.",
				fieldError{FieldName: "orgId", ErrorType: "missing", ErrorMessage: "orgId header is required"}), 0, -1, f
		case org != s.data.orgID:
			return errReply(http.StatusUnauthorized, "OAUTH_ORG_MISMATCH", ""), 0, -1, f
		}
	}

	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if n > s.concurrency {
		rp := errReply(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "")
		return rp, 0, -1, f
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if f.kind == FaultServerError {
		return errReply(f.status, "INTERNAL_SERVER_ERROR", ""), 0, -1, f
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return errReply(http.StatusBadRequest, "BAD_REQUEST", ""), 0, -1, f
	}
	if len(body) > maxBody {
		return errReply(http.StatusRequestEntityTooLarge, "RESOURCE_SIZE_EXCEEDED", ""), 0, -1, f
	}
	q := r.URL.Query()
	c := credits.Call{Method: r.Method, Path: path, Query: q}
	if rt.records != nil {
		c.Records = rt.records(body)
	}
	cost := s.priceOf(c)
	ok, remaining, retry := s.charge(cost, now)
	if !ok {
		rp := errReply(http.StatusTooManyRequests, "THRESHOLD_EXCEEDED", "")
		rp.header = http.Header{}
		rp.header.Set(credits.HeaderRetryAfter, strconv.FormatInt(retry, 10))
		if !s.legacy {
			rp.header.Set(credits.HeaderRemaining, strconv.FormatInt(remaining, 10))
		}
		return rp, 0, remaining, f
	}
	cl := &call{s: s, r: r, route: rt, params: params, query: q, body: body, now: now}
	if rt.params != nil {
		if bad := checkParams(q, rt.params); bad != nil {
			rp = bad
		}
	}
	if rp == nil {
		rp = rt.handle(cl)
	}
	if rp.header == nil {
		rp.header = http.Header{}
	}
	if !s.legacy {
		s.creditHeaders(rp, cost, remaining, f)
	}
	if f.kind == FaultMalformedBody && rp.body != nil {
		rp.body = malform(rp.body)
	} else if f.kind == FaultMalformedBody {
		rp.status = http.StatusOK
		rp.body = []byte(`{"data":[{"id":`)
	}
	return rp, cost, remaining, f
}

func (s *Server) creditHeaders(rp *reply, cost, remaining int64, f firedFault) {
	switch f.kind {
	case FaultMissingHeaders:
		return
	case FaultMalformedHeaders:
		rp.header.Set(credits.HeaderWeight, "three")
		rp.header.Set(credits.HeaderRemaining, "-"+strconv.FormatInt(remaining, 10)+"x")
		return
	}
	rp.header.Set(credits.HeaderWeight, strconv.FormatInt(cost, 10))
	rp.header.Set(credits.HeaderRemaining, strconv.FormatInt(remaining, 10))
}

// malform cuts a JSON body in half, so that it no longer parses.
func malform(b []byte) []byte {
	if len(b) < 2 {
		return []byte("{")
	}
	out := bytes.Clone(b[:len(b)/2])
	return out
}

func (s *Server) priceOf(c credits.Call) int64 {
	if s.legacy {
		return 1
	}
	n := s.cost(c)
	if n < 1 {
		n = 1
	}
	return n
}

// checkParams rejects unknown query parameters and out-of-range values with
// UNPROCESSABLE_ENTITY, as Desk does.
func checkParams(q url.Values, allowed map[string]paramRule) *reply {
	for name, vs := range q {
		rule, ok := allowed[name]
		if !ok {
			return unprocessable(name, "unknown", "The parameter "+name+" is not a known parameter of this API.")
		}
		if rule.check != nil && len(vs) > 0 {
			if msg := rule.check(vs[0]); msg != "" {
				return unprocessable(name, "invalid", msg)
			}
		}
	}
	return nil
}

type paramRule struct {
	check func(string) string // "" when valid, else the reason
}

func intRange(lo, hi int) paramRule {
	return paramRule{check: func(v string) string {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Sprintf("The value must be an integer between %d and %d.", lo, hi)
		}
		return ""
	}}
}

func oneOf(vals ...string) paramRule {
	return paramRule{check: func(v string) string {
		for _, p := range strings.Split(v, ",") {
			ok := false
			for _, a := range vals {
				if strings.TrimSpace(p) == a {
					ok = true
					break
				}
			}
			if !ok {
				return "The value must be one of " + strings.Join(vals, ", ") + "."
			}
		}
		return ""
	}}
}

var anyValue = paramRule{}

// sortField accepts one of fields, optionally prefixed with "-" for
// descending order (Desk's sortBy convention).
func sortField(fields ...string) paramRule {
	return paramRule{check: func(v string) string {
		for _, f := range fields {
			if strings.TrimPrefix(v, "-") == f {
				return ""
			}
		}
		return "The value must be one of " + strings.Join(fields, ", ") + ", with an optional - prefix."
	}}
}

func numericIDs() paramRule {
	return paramRule{check: func(v string) string {
		for _, p := range strings.Split(v, ",") {
			if !digits.Only(strings.TrimSpace(p)) {
				return "The value must be a numeric ID or a comma-separated list of them."
			}
		}
		return ""
	}}
}

// numericID accepts one numeric ID.
func numericID() paramRule {
	return paramRule{check: func(v string) string {
		if !digits.Only(v) {
			return "The value must be a numeric ID."
		}
		return ""
	}}
}

// maxLen accepts a value of at most n characters.
func maxLen(n int) paramRule {
	return paramRule{check: func(v string) string {
		if len([]rune(v)) > n {
			return fmt.Sprintf("The value must have at most %d characters.", n)
		}
		return ""
	}}
}

// timeRangeRule accepts Desk's "start,end" range of ISO-8601 instants.
func timeRangeRule() paramRule {
	return paramRule{check: func(v string) string {
		if _, _, ok := timeRange(v); !ok {
			return "The value must be two ISO-8601 instants separated by a comma, the first not after the second."
		}
		return ""
	}}
}

// redactHeader copies h without the Authorization header's token.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out.Get("Authorization") != "" {
		out.Set("Authorization", "Zoho-oauthtoken [redacted]")
	}
	return out
}
