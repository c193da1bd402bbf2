package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/internal/digits"
	"golang.org/x/oauth2"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0-dev"

// Config configures a Client. OrgID, TokenSource, Plan and one of
// DataCenter or BaseURL are required; everything else has a default.
type Config struct {
	// DataCenter selects the API root and the default zone of the credit day.
	DataCenter DataCenter
	// BaseURL overrides the data centre's API root, e.g. a proxy or a test
	// server: "https://proxy.example.com/desk/api/v1". It must be https
	// unless AllowInsecureHTTP is set.
	BaseURL string
	// AllowInsecureHTTP permits a plain http BaseURL (test servers on
	// loopback). Never set it for real traffic: the token would travel in
	// clear text.
	AllowInsecureHTTP bool

	// OrgID is the organisation (portal) ID, sent as the orgId header.
	OrgID string
	// TokenSource supplies OAuth access tokens: see RefreshToken and StaticToken.
	TokenSource oauth2.TokenSource

	// Plan is what the organisation bought; it fixes the daily allotment and
	// the portal's concurrency.
	Plan credits.Plan
	// Budget is how much of the day this client may spend, and how.
	Budget credits.Budget
	// Ledger records spend; nil means in-memory, for this client alone. Share
	// one ledger (see credits/redisledger) between processes that spend from
	// the same organisation.
	Ledger credits.Ledger
	// Zone is the time zone of the credit day; nil means the data centre's
	// default (UTC with a BaseURL and no DataCenter).
	Zone *time.Location
	// Mode and Legacy select credit or request counting (see credits.Mode).
	Mode   credits.Mode
	Legacy credits.LegacyLimits
	// Allotment, when positive, replaces Plan.Daily() as the organisation's
	// credits per day, for an organisation whose terms differ from the
	// published table (read it in Setup > Developer Space > APIs).
	Allotment int64
	// Concurrency, when positive, replaces Plan.Concurrency() as the most
	// calls this client has in flight (other apps share the portal's slots).
	Concurrency int
	// Costs overrides or extends the default cost estimates per route, e.g.
	// Overrides: map[string]int64{"GET /tickets/{id}": 2}.
	Costs credits.CostOptions
	// Observer receives the governor's state changes (admits, waits,
	// refusals, settlements, throttles, resets, mode changes); callbacks
	// left nil log through Logger.
	Observer credits.Observer

	// Clock is the source of time; nil means the system clock.
	Clock credits.Clock
	// Logger receives the client's logs; nil discards them. Secrets never
	// reach it.
	Logger *slog.Logger
	// HTTPClient sends the requests; nil means a client with sensible
	// timeouts. Its Transport is wrapped, never replaced.
	HTTPClient *http.Client

	// MaxRetries bounds the retries of one call (0 means 4; negative means none).
	MaxRetries int
	// MaxRetryWait caps one wait between attempts (0 means 30s).
	MaxRetryWait time.Duration
	// UserAgent is prepended to the SDK's own User-Agent.
	UserAgent string
}

// Client is a Zoho Desk API client. It is safe for concurrent use by many
// goroutines; create one per organisation and share it.
type Client struct {
	base      *url.URL
	orgID     string
	tokens    *tokenSource
	hc        *http.Client
	gov       *credits.Governor
	clock     credits.Clock
	logger    *slog.Logger
	userAgent string
	retry     retryPolicy

	Tickets       *TicketsService
	Threads       *ThreadsService
	Comments      *CommentsService
	Contacts      *ContactsService
	Accounts      *AccountsService
	Agents        *AgentsService
	Departments   *DepartmentsService
	Organizations *OrganizationsService
	Search        *SearchService
}

// service is embedded by every resource service.
type service struct{ client *Client }

// NewClient validates cfg and returns a client. It sends nothing.
func NewClient(cfg Config) (*Client, error) {
	base, err := resolveBase(cfg)
	if err != nil {
		return nil, err
	}
	if err := validateOrgID(cfg.OrgID); err != nil {
		return nil, err
	}
	if cfg.TokenSource == nil {
		return nil, fmt.Errorf("desk: Config.TokenSource is nil: use desk.RefreshToken or desk.StaticToken: %w", ErrInvalidConfig)
	}
	if err := cfg.Plan.Validate(); err != nil {
		return nil, fmt.Errorf("desk: Config.Plan: %w", err)
	}
	if cfg.MaxRetryWait < 0 {
		return nil, fmt.Errorf("desk: Config.MaxRetryWait is negative (%v): %w", cfg.MaxRetryWait, ErrInvalidConfig)
	}
	zone := cfg.Zone
	if zone == nil {
		zone = time.UTC
		if cfg.DataCenter != "" {
			if zone, err = cfg.DataCenter.Zone(); err != nil {
				return nil, err
			}
		}
	}
	clock := cfg.Clock
	if clock == nil {
		clock = credits.SystemClock()
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	gov, err := credits.NewGovernor(credits.Config{
		Plan: cfg.Plan, Budget: cfg.Budget, Ledger: cfg.Ledger, Zone: zone,
		Clock: clock, Logger: logger, Mode: cfg.Mode, Legacy: cfg.Legacy,
		Allotment: cfg.Allotment, ConcurrencyOverride: cfg.Concurrency, Costs: cfg.Costs, Observer: cfg.Observer,
	})
	if err != nil {
		return nil, fmt.Errorf("desk: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	c := &Client{
		base:      base,
		orgID:     cfg.OrgID,
		tokens:    newTokenSource(cfg.TokenSource, clock.Now),
		gov:       gov,
		clock:     clock,
		logger:    logger,
		userAgent: strings.TrimSpace(cfg.UserAgent + " go-zohodesk/" + Version),
		retry:     newRetryPolicy(cfg),
	}
	// The credit transport goes under the caller's transport chain's
	// client, so that every attempt (retries included) is admitted.
	wrapped := *hc
	wrapped.Transport = &meteredTransport{next: transportOf(hc), client: c}
	c.hc = &wrapped
	c.Tickets = &TicketsService{c}
	c.Threads = &ThreadsService{c}
	c.Comments = &CommentsService{c}
	c.Contacts = &ContactsService{c}
	c.Accounts = &AccountsService{c}
	c.Agents = &AgentsService{c}
	c.Departments = &DepartmentsService{c}
	c.Organizations = &OrganizationsService{c}
	c.Search = &SearchService{c}
	return c, nil
}

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}

func resolveBase(cfg Config) (*url.URL, error) {
	raw := cfg.BaseURL
	if raw == "" {
		if cfg.DataCenter == "" {
			return nil, fmt.Errorf("desk: set Config.DataCenter (desk.US, desk.EU, ...) or Config.BaseURL: %w", ErrInvalidConfig)
		}
		if !cfg.DataCenter.Valid() {
			return nil, fmt.Errorf("desk: unknown Config.DataCenter %q: use desk.US, desk.EU, desk.IN, desk.AU, desk.JP, desk.CN, desk.SA, desk.SG, desk.AE or desk.CA: %w", string(cfg.DataCenter), ErrInvalidConfig)
		}
		raw = cfg.DataCenter.APIBase()
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("desk: Config.BaseURL %q is not an absolute URL: %w", raw, ErrInvalidConfig)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !cfg.AllowInsecureHTTP {
			return nil, fmt.Errorf("desk: Config.BaseURL %q is plain http, which would send the token in clear text: use https, or set AllowInsecureHTTP for a test server: %w", raw, ErrInvalidConfig)
		}
	default:
		return nil, fmt.Errorf("desk: Config.BaseURL %q: scheme must be https: %w", raw, ErrInvalidConfig)
	}
	if u.User != nil {
		return nil, fmt.Errorf("desk: Config.BaseURL must not carry credentials: %w", ErrInvalidConfig)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func validateOrgID(id string) error {
	if id == "" {
		return fmt.Errorf("desk: Config.OrgID is empty: set the organisation ID (Setup > Developer Space > API): %w", ErrInvalidConfig)
	}
	if !digits.Only(id) {
		return fmt.Errorf("desk: Config.OrgID %q is not numeric: an org ID is all digits: %w", excerpt([]byte(id), 30), ErrInvalidConfig)
	}
	return nil
}

// Governor returns the client's credit governor.
func (c *Client) Governor() *credits.Governor { return c.gov }

// Usage returns the client's credit usage report for the current credit day
// (see credits.Usage; print it, or marshal it to JSON).
func (c *Client) Usage() credits.Usage { return c.gov.Usage() }

// Estimate is the pre-flight cost of a plan of calls.
type Estimate struct {
	// Calls is the number of calls planned and Credits their estimated cost,
	// from the cost model (which learns from what Desk charges).
	Calls   int
	Credits int64
	// Available is what the budget has left today for the calls' priority:
	// the cap (less the interactive reserve for Background work) minus what
	// the organisation spent and holds.
	Available int64
	// FitsToday reports whether Credits <= Available.
	FitsToday bool
	// Reset is the end of the current credit day.
	Reset time.Time
}

// Estimate prices calls before any is sent, at the priority ctx carries
// (credits.WithPriority). It reads the ledger (a shared ledger may be
// remote), so it takes a context; it sends nothing to Desk.
func (c *Client) Estimate(ctx context.Context, calls ...credits.Call) (Estimate, error) {
	e := Estimate{Calls: len(calls)}
	for _, call := range calls {
		e.Credits += c.gov.Estimate(call)
	}
	u, err := c.gov.UsageContext(ctx)
	if err != nil {
		return e, fmt.Errorf("desk: reading the budget: %w", err)
	}
	limit := c.gov.Limit(credits.PriorityFrom(ctx))
	e.Available = max(limit-u.OrgSpent-u.Held, 0)
	e.FitsToday = e.Credits <= e.Available
	e.Reset = u.Reset
	return e, nil
}

// request describes one API call for Client.call.
type request struct {
	method string
	// path is below the API root and starts with "/".
	path  string
	query url.Values
	body  any
	// records is the number of records a bulk call acts on.
	records int
	// noOrg leaves out the orgId header (GET /organizations).
	noOrg bool
}

// call sends r through the governor and the retry policy and decodes a 2xx
// body into out (when out is non-nil and the body is not empty).
func (c *Client) call(ctx context.Context, r request, out any) (*Response, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("desk: encoding %s %s body: %w", r.method, r.path, err)
		}
	}
	u := *c.base
	u.Path = c.base.Path + r.path
	u.RawQuery = r.query.Encode()
	st := &callState{
		call: credits.Call{Method: r.method, Path: r.path, Query: r.query, Records: r.records},
		r:    r,
	}
	resp, body, err := c.retry.do(ctx, c, st, u.String(), payload)
	out2 := &Response{Response: resp, Credits: st.credits}
	if err != nil {
		return out2, err
	}
	if resp.StatusCode >= 300 {
		e := parseErrorBody(resp.StatusCode, r.method, r.path, body)
		e.Credits = st.credits
		return out2, e
	}
	if out != nil && len(body) > 0 && resp.StatusCode != http.StatusNoContent {
		if err := decodeJSON(body, out); err != nil {
			return out2, &Error{StatusCode: resp.StatusCode, Method: r.method, Path: r.path,
				Message: "decoding the response: " + err.Error(), Excerpt: excerpt(body, 120), Credits: st.credits}
		}
	}
	return out2, nil
}

// callOne sends r and decodes its answer, one record.
func callOne[T any](ctx context.Context, c *Client, r request) (*T, *Response, error) {
	v := new(T)
	resp, err := c.call(ctx, r, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// callList sends r and returns the records of Desk's list envelope
// {"data": [...]}; an empty page (HTTP 204) gives none.
func callList[T any](ctx context.Context, c *Client, r request) ([]T, *Response, error) {
	var page struct {
		Data []T `json:"data"`
	}
	resp, err := c.call(ctx, r, &page)
	return page.Data, resp, err
}

func (c *Client) newHTTPRequest(ctx context.Context, st *callState, rawURL string, payload []byte) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(withCallState(ctx, st), st.r.method, rawURL, body)
	if err != nil {
		return nil, fmt.Errorf("desk: building %s %s: %w", st.r.method, st.r.path, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if !st.r.noOrg {
		req.Header.Set("orgId", c.orgID)
	}
	return req, nil
}
