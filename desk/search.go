package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TimeRange is a closed range of times for the search filters
// (createdTimeRange, modifiedTimeRange, dueDateRange). It is sent as
// "2017-11-05T00:00:00.000Z,2018-09-05T23:59:00.000Z", in UTC with
// millisecond precision. Both ends are required and From must not be after
// To.
type TimeRange struct {
	From, To time.Time
}

const deskTimeLayout = "2006-01-02T15:04:05.000Z"

// EncodeValues implements query.Encoder for go-querystring.
func (r *TimeRange) EncodeValues(key string, v *url.Values) error {
	if r == nil {
		return nil
	}
	v.Set(key, r.From.UTC().Format(deskTimeLayout)+","+r.To.UTC().Format(deskTimeLayout))
	return nil
}

func (r *TimeRange) validate(what string) error {
	if r == nil {
		return nil
	}
	if r.From.IsZero() || r.To.IsZero() {
		return fmt.Errorf("desk: %s: set both From and To: %w", what, ErrInvalidOptions)
	}
	if r.From.After(r.To) {
		return fmt.Errorf("desk: %s: From %s is after To %s: %w", what, r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339), ErrInvalidOptions)
	}
	return nil
}

// TicketSearchOptions filter GET /tickets/search. Text filters take
// wildcards ("jack*") and Desk's ${empty} / ${notempty} checks. From may be
// at most 4,999 and Limit at most 100.
type TicketSearchOptions struct {
	ListOptions
	// All searches every column of the tickets ("_all", 3 characters at
	// least).
	All          string   `url:"_all,omitempty"`
	Subject      string   `url:"subject,omitempty"`
	Email        []string `url:"email,comma,omitempty"`
	Phone        []string `url:"phone,comma,omitempty"`
	TicketNumber []string `url:"ticketNumber,comma,omitempty"`
	ID           []string `url:"id,comma,omitempty"`
	Status       []string `url:"status,comma,omitempty"`
	Priority     []string `url:"priority,comma,omitempty"`
	Channel      []string `url:"channel,comma,omitempty"`
	Category     string   `url:"category,omitempty"`
	AccountName  string   `url:"accountName,omitempty"`
	ContactName  string   `url:"contactName,omitempty"`
	ProductName  string   `url:"productName,omitempty"`
	DepartmentID string   `url:"departmentId,omitempty"`
	AssigneeID   []string `url:"assigneeId,comma,omitempty"`
	ContactID    []string `url:"contactId,comma,omitempty"`
	AccountID    []string `url:"accountId,comma,omitempty"`
	ProductID    []string `url:"productId,comma,omitempty"`

	CreatedTimeRange          *TimeRange `url:"createdTimeRange,omitempty"`
	ModifiedTimeRange         *TimeRange `url:"modifiedTimeRange,omitempty"`
	DueDateRange              *TimeRange `url:"dueDateRange,omitempty"`
	CustomerResponseTimeRange *TimeRange `url:"customerResponseTimeRange,omitempty"`

	// Description matches the ticket's description (wildcards allowed).
	Description string `url:"description,omitempty"`
	// Tag matches a tag of the ticket (at least 3 characters, wildcards
	// allowed, or ${empty} / ${notempty}).
	Tag string `url:"tag,omitempty"`

	// SortBy is "relevance", "modifiedTime", "createdTime" or
	// "customerResponseTime", with a "-" prefix for descending order.
	SortBy string `url:"sortBy,omitempty"`

	// CustomFields filters by custom fields, at most 10, sent as Desk's
	// customField1..customField10 parameters in this order.
	CustomFields CustomFieldFilters `url:"customField,omitempty"`
}

// CustomFieldFilter matches one custom field of the ticket search. It is
// sent as "customFieldN=Field:Value" (v1.0/Search.json, searchTickets).
type CustomFieldFilter struct {
	// Field is the custom field's API name, e.g. "cf_modelname". It may not
	// contain ":", which separates it from the value.
	Field string
	// Value is the value to match: wildcards ("F3*", "*F3*") and Desk's
	// ${empty} / ${notempty} checks are allowed.
	Value string
}

// CustomFieldFilters are the custom field filters of a ticket search.
type CustomFieldFilters []CustomFieldFilter

// maxCustomFieldFilters is the number of customFieldN parameters Desk
// defines; maxCustomFieldParam is the longest value one of them takes.
const (
	maxCustomFieldFilters = 10
	maxCustomFieldParam   = 1000
)

// EncodeValues implements query.Encoder for go-querystring: it sets
// customField1, customField2, ... and ignores key.
func (fs CustomFieldFilters) EncodeValues(_ string, v *url.Values) error {
	for i, f := range fs {
		v.Set("customField"+strconv.Itoa(i+1), f.Field+":"+f.Value)
	}
	return nil
}

func (fs CustomFieldFilters) validate() error {
	if len(fs) > maxCustomFieldFilters {
		return fmt.Errorf("desk: TicketSearchOptions.CustomFields has %d filters; Desk takes at most %d: %w", len(fs), maxCustomFieldFilters, ErrInvalidOptions)
	}
	for i, f := range fs {
		switch {
		case strings.TrimSpace(f.Field) == "":
			return fmt.Errorf("desk: TicketSearchOptions.CustomFields[%d]: Field is empty: %w", i, ErrInvalidOptions)
		case strings.ContainsAny(f.Field, ":,*"):
			return fmt.Errorf("desk: TicketSearchOptions.CustomFields[%d]: Field %q: an API name has no \":\", \",\" or \"*\": %w", i, excerpt([]byte(f.Field), 30), ErrInvalidOptions)
		case f.Value == "":
			return fmt.Errorf("desk: TicketSearchOptions.CustomFields[%d] (%s): Value is empty; use ${empty} to match an empty field: %w", i, excerpt([]byte(f.Field), 30), ErrInvalidOptions)
		case len(f.Field)+1+len(f.Value) > maxCustomFieldParam:
			return fmt.Errorf("desk: TicketSearchOptions.CustomFields[%d] (%s): the filter is longer than %d bytes: %w", i, excerpt([]byte(f.Field), 30), maxCustomFieldParam, ErrInvalidOptions)
		}
		for j := range i {
			if fs[j].Field == f.Field {
				return fmt.Errorf("desk: TicketSearchOptions.CustomFields: field %q is filtered twice: %w", excerpt([]byte(f.Field), 30), ErrInvalidOptions)
			}
		}
	}
	return nil
}

var ticketSearchSorts = []string{"relevance", "modifiedTime", "createdTime", "customerResponseTime"}

func (o *TicketSearchOptions) validate() error {
	if err := validateSearchPage(&o.ListOptions, maxTicketSearchFrom); err != nil {
		return err
	}
	if o.Tag != "" && len([]rune(o.Tag)) < 3 {
		return fmt.Errorf("desk: TicketSearchOptions.Tag %q: at least 3 characters: %w", o.Tag, ErrInvalidOptions)
	}
	if err := validateSort("TicketSearchOptions.SortBy", o.SortBy, ticketSearchSorts); err != nil {
		return err
	}
	if o.All != "" && len([]rune(o.All)) < 3 {
		return fmt.Errorf("desk: TicketSearchOptions.All %q: at least 3 characters: %w", o.All, ErrInvalidOptions)
	}
	if err := validateOptionalID("department", o.DepartmentID); err != nil {
		return err
	}
	for _, ids := range []struct {
		what string
		ids  []string
	}{{"ID", o.ID}, {"AssigneeID", o.AssigneeID}, {"ContactID", o.ContactID}, {"AccountID", o.AccountID}, {"ProductID", o.ProductID}, {"TicketNumber", o.TicketNumber}} {
		if err := validateIDs("TicketSearchOptions."+ids.what, ids.ids, 0); err != nil {
			return err
		}
	}
	if err := o.CustomFields.validate(); err != nil {
		return err
	}
	return errors.Join(
		o.CreatedTimeRange.validate("TicketSearchOptions.CreatedTimeRange"),
		o.ModifiedTimeRange.validate("TicketSearchOptions.ModifiedTimeRange"),
		o.DueDateRange.validate("TicketSearchOptions.DueDateRange"),
		o.CustomerResponseTimeRange.validate("TicketSearchOptions.CustomerResponseTimeRange"),
	)
}

func validateSearchPage(o *ListOptions, maxFrom int) error {
	if err := o.validate(maxSearchLimit); err != nil {
		return err
	}
	if o.From > maxFrom {
		return fmt.Errorf("desk: search From is %d: Desk searches at most from %d; narrow the search: %w", o.From, maxFrom, ErrInvalidOptions)
	}
	return nil
}

type ticketSearchResult struct {
	Data  []Ticket `json:"data"`
	Count int64    `json:"count"`
}

var ticketSearchCodec = newCodec[ticketSearchResult]()

func (r *ticketSearchResult) UnmarshalJSON(b []byte) error {
	return ticketSearchCodec.decode(b, reflect.ValueOf(r).Elem())
}

// Search returns one page of the tickets matching opts and the number of
// matches in all (Desk's count).
//
// Desk API: GET /api/v1/tickets/search
func (s *TicketsService) Search(ctx context.Context, opts *TicketSearchOptions) ([]Ticket, int64, *Response, error) {
	if opts == nil {
		opts = &TicketSearchOptions{}
	}
	if err := opts.validate(); err != nil {
		return nil, 0, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, 0, nil, err
	}
	var out ticketSearchResult
	resp, err := s.client.call(ctx, request{method: http.MethodGet, path: "/tickets/search", query: q}, &out)
	return out.Data, out.Count, resp, err
}

// SearchAll iterates over every ticket matching opts (see
// [IterationStopped]). Desk serves search results only up to from=4,999:
// past it the iteration stops with ErrSearchWindow.
//
// Desk API: GET /api/v1/tickets/search (once per page)
func (s *TicketsService) SearchAll(ctx context.Context, opts *TicketSearchOptions) iter.Seq2[Ticket, error] {
	return listAll(ctx, opts, maxSearchLimit, maxTicketSearchFrom, func(ctx context.Context, o *TicketSearchOptions) ([]Ticket, *Response, error) {
		page, _, resp, err := s.Search(ctx, o)
		return page, resp, err
	})
}

// SearchService calls the cross-module search.
type SearchService service

// The modules the cross-module search takes as its module parameter
// (v1.0/Search.json, doSearch).
var searchModules = []string{"tickets", "accounts", "contacts", "tasks"}

// maxSearchStr is the longest searchStr doSearch takes.
const maxSearchStr = 100

// SearchOptions are the options of GET /search (v1.0/Search.json,
// doSearch).
type SearchOptions struct {
	ListOptions
	// SearchStr is the keyword or phrase to find, at most 100 characters;
	// wildcards allowed. Desk does not require it.
	SearchStr string `url:"searchStr,omitempty"`
	// Module limits the search to one module: "tickets", "accounts",
	// "contacts" or "tasks". Empty searches them all, and Desk then counts
	// the matches per module (see SearchCount).
	Module       string `url:"module,omitempty"`
	DepartmentID string `url:"departmentId,omitempty"`
	// SortBy is "relevance" or "modifiedTime", with a "-" prefix for
	// descending order.
	SortBy string `url:"sortBy,omitempty"`
}

var searchSorts = []string{"relevance", "modifiedTime"}

// SearchCount is the count of a cross-module search. Desk sends one number
// when the search is limited to a module, and an object with a number per
// module ("tickets", "contacts", "accounts", "tasks", ...) when it is not.
type SearchCount struct {
	// Total is the number of matches: the number Desk sent, or the sum of
	// the modules' counts.
	Total int64
	// ByModule is the count per module; nil when Desk sent one number.
	ByModule map[string]int64
}

// UnmarshalJSON reads a number, a numeric string or an object of them.
func (c *SearchCount) UnmarshalJSON(b []byte) error {
	*c = SearchCount{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '{' {
		n, err := countValue(b)
		if err != nil {
			return fmt.Errorf("desk: decoding a search count: %w", err)
		}
		c.Total = n
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("desk: decoding the search counts: %w", err)
	}
	c.ByModule = make(map[string]int64, len(m))
	for k, raw := range m {
		n, err := countValue(raw)
		if err != nil {
			return fmt.Errorf("desk: decoding the search count of %q: %w", excerpt([]byte(k), 30), err)
		}
		c.ByModule[k] = n
		c.Total += n
	}
	return nil
}

// countValue is a count sent as a number, a numeric string or null.
func countValue(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return 0, nil
	}
	text := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return 0, err
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("not a count: %q", excerpt(b, 30))
	}
	return n, nil
}

// SearchResult is one record found by the cross-module search: its module
// and the record's JSON, decoded on demand with Ticket, Contact or Account.
type SearchResult struct {
	// Module is the record's module, e.g. "tickets".
	Module string
	// ID is the record's ID.
	ID string
	// Raw is the record as Desk sent it.
	Raw json.RawMessage
}

// UnmarshalJSON keeps the record and reads its module and ID.
func (r *SearchResult) UnmarshalJSON(b []byte) error {
	var head struct {
		Module flexString `json:"module"`
		ID     flexString `json:"id"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("desk: decoding a search result: %w", err)
	}
	r.Module, r.ID, r.Raw = string(head.Module), string(head.ID), slices.Clone(b)
	return nil
}

func (r *SearchResult) as(module string, v json.Unmarshaler) error {
	if !strings.EqualFold(r.Module, module) {
		return fmt.Errorf("desk: the search result %s is in module %q, not %q: %w", r.ID, r.Module, module, ErrInvalidOptions)
	}
	return v.UnmarshalJSON(r.Raw)
}

// Ticket decodes a result of module "tickets".
func (r *SearchResult) Ticket() (*Ticket, error) {
	t := new(Ticket)
	return t, r.as("tickets", t)
}

// Contact decodes a result of module "contacts".
func (r *SearchResult) Contact() (*Contact, error) {
	c := new(Contact)
	return c, r.as("contacts", c)
}

// Account decodes a result of module "accounts".
func (r *SearchResult) Account() (*Account, error) {
	a := new(Account)
	return a, r.as("accounts", a)
}

type searchResults struct {
	Data  []SearchResult `json:"data"`
	Count SearchCount    `json:"count"`
}

var searchResultsCodec = newCodec[searchResults]()

func (r *searchResults) UnmarshalJSON(b []byte) error {
	return searchResultsCodec.decode(b, reflect.ValueOf(r).Elem())
}

// Search runs a search across modules and returns one page of results and
// the count of matches in all (per module when opts.Module is empty).
//
// Desk API: GET /api/v1/search (v1.0/Search.json, doSearch)
func (s *SearchService) Search(ctx context.Context, opts *SearchOptions) ([]SearchResult, SearchCount, *Response, error) {
	if opts == nil {
		opts = &SearchOptions{}
	}
	if err := opts.validate(); err != nil {
		return nil, SearchCount{}, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, SearchCount{}, nil, err
	}
	var out searchResults
	resp, err := s.client.call(ctx, request{method: http.MethodGet, path: "/search", query: q}, &out)
	if opts.Module != "" {
		// Limited to a module, Desk may send the records without "module"
		// (doSearchResponse's second shape, searchTicketsData).
		for i := range out.Data {
			if out.Data[i].Module == "" {
				out.Data[i].Module = opts.Module
			}
		}
	}
	return out.Data, out.Count, resp, err
}

func (o *SearchOptions) validate() error {
	if n := len([]rune(o.SearchStr)); n > maxSearchStr {
		return fmt.Errorf("desk: SearchOptions.SearchStr has %d characters; at most %d: %w", n, maxSearchStr, ErrInvalidOptions)
	}
	if err := validateSearchPage(&o.ListOptions, maxSearchFrom); err != nil {
		return err
	}
	if o.Module != "" {
		if err := oneOfEach("SearchOptions.Module", []string{o.Module}, searchModules); err != nil {
			return err
		}
	}
	if err := validateSort("SearchOptions.SortBy", o.SortBy, searchSorts); err != nil {
		return err
	}
	if err := validateOptionalID("department", o.DepartmentID); err != nil {
		return err
	}
	return nil
}

// All iterates over every search result (see [IterationStopped]); past
// from=4,999 it stops with ErrSearchWindow.
//
// Desk API: GET /api/v1/search (once per page)
func (s *SearchService) All(ctx context.Context, opts *SearchOptions) iter.Seq2[SearchResult, error] {
	return listAll(ctx, opts, maxSearchLimit, maxSearchFrom, func(ctx context.Context, o *SearchOptions) ([]SearchResult, *Response, error) {
		page, _, resp, err := s.Search(ctx, o)
		return page, resp, err
	})
}
