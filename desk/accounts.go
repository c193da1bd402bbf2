package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// AccountsService calls the account endpoints.
type AccountsService service

// Account is a Desk account, the company contacts belong to
// (v1.0/Account.json).
type Account struct {
	ID            string `json:"id"`
	AccountName   string `json:"accountName"`
	Email         string `json:"email"`
	Website       string `json:"website"`
	Phone         string `json:"phone"`
	Fax           string `json:"fax"`
	Industry      string `json:"industry"`
	Description   string `json:"description"`
	Code          string `json:"code"`
	AnnualRevenue string `json:"annualrevenue"`
	Street        string `json:"street"`
	City          string `json:"city"`
	State         string `json:"state"`
	Country       string `json:"country"`
	OwnerID       string `json:"ownerId"`
	LayoutID      string `json:"layoutId"`
	WebURL        string `json:"webUrl"`

	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`

	IsDeleted   bool `json:"isDeleted"`
	IsTrashed   bool `json:"isTrashed"`
	IsFollowing bool `json:"isFollowing"`

	AssociatedSLAIDs []string `json:"associatedSLAIds"`
	// ZohoCRMAccount links the account to its Zoho CRM record, if any.
	ZohoCRMAccount *CRMRef `json:"zohoCRMAccount"`
	// Owner is the agent who owns the account (Get with "owner").
	Owner *AgentRef `json:"owner"`
	// LayoutDetails names the account's layout.
	LayoutDetails *Layout `json:"layoutDetails"`
	// CustomerHappiness is sent in list views.
	CustomerHappiness *CustomerHappiness `json:"customerHappiness"`
	// CustomFields are the account's custom fields ("cf"), by API name.
	CustomFields map[string]any `json:"cf"`
	// LegacyCustomFields is "customFields", the older copy of the custom
	// fields (by display label) that Desk still sends.
	LegacyCustomFields map[string]any `json:"customFields"`

	Extra map[string]json.RawMessage `json:"-"`
}

var accountCodec = newCodec[Account]()

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *Account) UnmarshalJSON(b []byte) error {
	return accountCodec.decode(b, reflect.ValueOf(a).Elem())
}

// AccountInput is the body of an account create or update. Zero values are
// left out of the request.
type AccountInput struct {
	AccountName      string         `json:"accountName,omitempty"`
	Email            string         `json:"email,omitempty"`
	Website          string         `json:"website,omitempty"`
	Phone            string         `json:"phone,omitempty"`
	Fax              string         `json:"fax,omitempty"`
	Industry         string         `json:"industry,omitempty"`
	Description      string         `json:"description,omitempty"`
	Code             string         `json:"code,omitempty"`
	AnnualRevenue    string         `json:"annualrevenue,omitempty"`
	Street           string         `json:"street,omitempty"`
	City             string         `json:"city,omitempty"`
	State            string         `json:"state,omitempty"`
	Country          string         `json:"country,omitempty"`
	OwnerID          string         `json:"ownerId,omitempty"`
	LayoutID         string         `json:"layoutId,omitempty"`
	AssociatedSLAIDs []string       `json:"associatedSLAIds,omitempty"`
	CustomFields     map[string]any `json:"cf,omitempty"`
}

// AccountListOptions filter GET /accounts.
type AccountListOptions struct {
	ListOptions
	ViewID string `url:"viewId,omitempty"`
	// FilterID lists the accounts of a saved filter.
	FilterID string `url:"filterId,omitempty"`
	// SortBy is "accountName", "website", "email", "phone", "createdTime"
	// or "modifiedTime", with a "-" prefix for descending order.
	SortBy string `url:"sortBy,omitempty"`
	// Fields returns only these fields (at most 30), by API name.
	Fields []string `url:"fields,comma,omitempty"`
}

var (
	accountSorts       = []string{"website", "email", "phone", "accountName", "createdTime", "modifiedTime"}
	accountGetIncludes = []string{"owner"}
)

// List returns one page of accounts.
//
// Desk API: GET /api/v1/accounts
func (s *AccountsService) List(ctx context.Context, opts *AccountListOptions) ([]Account, *Response, error) {
	if opts == nil {
		opts = &AccountListOptions{}
	}
	if err := opts.ListOptions.validate(maxAccountLimit); err != nil {
		return nil, nil, err
	}
	if err := validateSort("AccountListOptions.SortBy", opts.SortBy, accountSorts); err != nil {
		return nil, nil, err
	}
	if err := validateOptionalID("view", opts.ViewID); err != nil {
		return nil, nil, err
	}
	if err := validateOptionalID("saved filter", opts.FilterID); err != nil {
		return nil, nil, err
	}
	if len(opts.Fields) > 30 {
		return nil, nil, fmt.Errorf("desk: AccountListOptions.Fields has %d values; at most 30: %w", len(opts.Fields), ErrInvalidOptions)
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Account](ctx, s.client, request{method: http.MethodGet, path: "/accounts", query: q})
}

// All iterates over every account matching opts (see [IterationStopped]).
//
// Desk API: GET /api/v1/accounts (once per page)
func (s *AccountsService) All(ctx context.Context, opts *AccountListOptions) iter.Seq2[Account, error] {
	return listAll(ctx, opts, maxAccountLimit, 0, s.List)
}

// Get returns the account with the given ID. include may be "owner" (the
// account owner's details).
//
// Desk API: GET /api/v1/accounts/{accountId}
func (s *AccountsService) Get(ctx context.Context, id string, include ...string) (*Account, *Response, error) {
	if err := validateID("account", id); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("Accounts.Get include", include, accountGetIncludes); err != nil {
		return nil, nil, err
	}
	return callOne[Account](ctx, s.client, request{method: http.MethodGet, path: "/accounts/" + id, query: includeQuery(include)})
}

// Create creates an account; Desk requires AccountName.
//
// Desk API: POST /api/v1/accounts
func (s *AccountsService) Create(ctx context.Context, in *AccountInput) (*Account, *Response, error) {
	if in == nil || strings.TrimSpace(in.AccountName) == "" {
		return nil, nil, fmt.Errorf("desk: Accounts.Create: AccountName is required: %w", ErrInvalidOptions)
	}
	return callOne[Account](ctx, s.client, request{method: http.MethodPost, path: "/accounts", body: in})
}

// Update changes the fields of in that are set and returns the account.
//
// Desk API: PATCH /api/v1/accounts/{accountId}
func (s *AccountsService) Update(ctx context.Context, id string, in *AccountInput) (*Account, *Response, error) {
	if err := validateID("account", id); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("desk: Accounts.Update: the update is nil: %w", ErrInvalidOptions)
	}
	return callOne[Account](ctx, s.client, request{method: http.MethodPatch, path: "/accounts/" + id, body: in})
}
