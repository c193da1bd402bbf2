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

// ContactsService calls the contact endpoints.
type ContactsService service

// Contact is a Desk contact (v1.0/Contact.json). As for every resource,
// fields this struct does not declare, and values that did not fit, are
// kept verbatim in Extra.
type Contact struct {
	ID             string `json:"id"`
	FirstName      string `json:"firstName"`
	LastName       string `json:"lastName"`
	Email          string `json:"email"`
	SecondaryEmail string `json:"secondaryEmail"`
	Phone          string `json:"phone"`
	Mobile         string `json:"mobile"`
	Type           string `json:"type"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	Street         string `json:"street"`
	City           string `json:"city"`
	State          string `json:"state"`
	Country        string `json:"country"`
	Zip            string `json:"zip"`
	Facebook       string `json:"facebook"`
	Twitter        string `json:"twitter"`
	PhotoURL       string `json:"photoURL"`
	WebURL         string `json:"webUrl"`
	Language       string `json:"language"`
	AccountID      string `json:"accountId"`
	OwnerID        string `json:"ownerId"`
	LayoutID       string `json:"layoutId"`
	// ZohoCRMContact links the contact to its Zoho CRM record, if any.
	ZohoCRMContact *CRMRef `json:"zohoCRMContact"`
	// AccountCount is the number of accounts the contact belongs to.
	AccountCount int `json:"accountCount"`

	CreatedTime  time.Time `json:"createdTime"`
	ModifiedTime time.Time `json:"modifiedTime"`

	IsSpam      bool `json:"isSpam"`
	IsDeleted   bool `json:"isDeleted"`
	IsTrashed   bool `json:"isTrashed"`
	IsAnonymous bool `json:"isAnonymous"`
	IsEndUser   bool `json:"isEndUser"`
	IsFollowing bool `json:"isFollowing"`

	// Account is the contact's account, when Desk embeds it.
	Account *AccountRef `json:"account"`
	// Owner is the agent who owns the contact (GET with include=owner).
	Owner *AgentRef `json:"owner"`
	// LayoutDetails names the contact's layout.
	LayoutDetails *Layout `json:"layoutDetails"`
	// CustomerHappiness gives the shares of bad, okay and good ratings.
	CustomerHappiness *CustomerHappiness `json:"customerHappiness"`
	// CustomFields are the contact's custom fields ("cf"), by API name.
	// Values are string, json.Number, bool or nil.
	CustomFields map[string]any `json:"cf"`
	// LegacyCustomFields is "customFields", the older copy of the custom
	// fields (by display label) that Desk still sends.
	LegacyCustomFields map[string]any `json:"customFields"`

	Extra map[string]json.RawMessage `json:"-"`
}

// AccountRef is an account as embedded in other records.
type AccountRef struct {
	ID          string                     `json:"id"`
	AccountName string                     `json:"accountName"`
	Website     string                     `json:"website"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// CRMRef links a Desk record to its Zoho CRM record.
type CRMRef struct {
	ID string `json:"id"`
	// Type is the CRM module: "new", "potentials", "customers", "contacts"
	// or "leads" (Desk also sends values such as "contacts_leads").
	Type  string                     `json:"type"`
	Extra map[string]json.RawMessage `json:"-"`
}

// CustomerHappiness is the percentage of bad, okay and good ratings a
// contact or account gave.
type CustomerHappiness struct {
	BadPercentage  int                        `json:"badPercentage"`
	OkPercentage   int                        `json:"okPercentage"`
	GoodPercentage int                        `json:"goodPercentage"`
	Extra          map[string]json.RawMessage `json:"-"`
}

var (
	contactCodec    = newCodec[Contact]()
	accountRefCodec = newCodec[AccountRef]()
	crmRefCodec     = newCodec[CRMRef]()
	happinessCodec  = newCodec[CustomerHappiness]()
)

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (r *CRMRef) UnmarshalJSON(b []byte) error {
	return crmRefCodec.decode(b, reflect.ValueOf(r).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (h *CustomerHappiness) UnmarshalJSON(b []byte) error {
	return happinessCodec.decode(b, reflect.ValueOf(h).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (c *Contact) UnmarshalJSON(b []byte) error {
	return contactCodec.decode(b, reflect.ValueOf(c).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *AccountRef) UnmarshalJSON(b []byte) error {
	return accountRefCodec.decode(b, reflect.ValueOf(a).Elem())
}

// ContactInput is the body of a contact create or update (and the contact
// created with a ticket), the request bodies contactjson and
// updateContact_contactjson of v1.0/Contact.json. Zero values are left out
// of the request.
type ContactInput struct {
	LastName       string         `json:"lastName,omitempty"`
	FirstName      string         `json:"firstName,omitempty"`
	Email          string         `json:"email,omitempty"`
	SecondaryEmail string         `json:"secondaryEmail,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	Mobile         string         `json:"mobile,omitempty"`
	Type           string         `json:"type,omitempty"`
	Title          string         `json:"title,omitempty"`
	Description    string         `json:"description,omitempty"`
	Street         string         `json:"street,omitempty"`
	City           string         `json:"city,omitempty"`
	State          string         `json:"state,omitempty"`
	Country        string         `json:"country,omitempty"`
	Zip            string         `json:"zip,omitempty"`
	Facebook       string         `json:"facebook,omitempty"`
	Twitter        string         `json:"twitter,omitempty"`
	Language       string         `json:"language,omitempty"`
	AccountID      string         `json:"accountId,omitempty"`
	OwnerID        string         `json:"ownerId,omitempty"`
	LayoutID       string         `json:"layoutId,omitempty"`
	CustomFields   map[string]any `json:"cf,omitempty"`
}

// ContactListOptions filter GET /contacts.
type ContactListOptions struct {
	ListOptions
	// ViewID lists the contacts of a view.
	ViewID string `url:"viewId,omitempty"`
	// SortBy is "firstName", "lastName", "phone", "email", "account",
	// "createdTime" or "modifiedTime" (ascending; a "-" prefix sorts
	// descending).
	SortBy string `url:"sortBy,omitempty"`
	// Include adds related records: "accounts".
	Include []string `url:"include,comma,omitempty"`
	// Fields returns only these fields, by API name.
	Fields []string `url:"fields,comma,omitempty"`
}

var (
	contactSorts    = []string{"firstName", "lastName", "phone", "email", "account", "createdTime", "modifiedTime"}
	contactIncludes = []string{"accounts"}
)

// List returns one page of contacts.
//
// Desk API: GET /api/v1/contacts
func (s *ContactsService) List(ctx context.Context, opts *ContactListOptions) ([]Contact, *Response, error) {
	if opts == nil {
		opts = &ContactListOptions{}
	}
	if err := opts.ListOptions.validate(maxContactLimit); err != nil {
		return nil, nil, err
	}
	if err := validateSort("ContactListOptions.SortBy", opts.SortBy, contactSorts); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("ContactListOptions.Include", opts.Include, contactIncludes); err != nil {
		return nil, nil, err
	}
	if err := validateOptionalID("view", opts.ViewID); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Contact](ctx, s.client, request{method: http.MethodGet, path: "/contacts", query: q})
}

// All iterates over every contact matching opts (see [IterationStopped]).
//
// Desk API: GET /api/v1/contacts (once per page)
func (s *ContactsService) All(ctx context.Context, opts *ContactListOptions) iter.Seq2[Contact, error] {
	return listAll(ctx, opts, maxContactLimit, 0, s.List)
}

// Get returns the contact with the given ID.
//
// Desk API: GET /api/v1/contacts/{contactId}
func (s *ContactsService) Get(ctx context.Context, id string) (*Contact, *Response, error) {
	if err := validateID("contact", id); err != nil {
		return nil, nil, err
	}
	return callOne[Contact](ctx, s.client, request{method: http.MethodGet, path: "/contacts/" + id})
}

// Create creates a contact; Desk requires LastName.
//
// Desk API: POST /api/v1/contacts
func (s *ContactsService) Create(ctx context.Context, in *ContactInput) (*Contact, *Response, error) {
	if in == nil || strings.TrimSpace(in.LastName) == "" {
		return nil, nil, fmt.Errorf("desk: Contacts.Create: LastName is required: %w", ErrInvalidOptions)
	}
	return callOne[Contact](ctx, s.client, request{method: http.MethodPost, path: "/contacts", body: in})
}

// Update changes the fields of in that are set and returns the contact.
//
// Desk API: PATCH /api/v1/contacts/{contactId}
func (s *ContactsService) Update(ctx context.Context, id string, in *ContactInput) (*Contact, *Response, error) {
	if err := validateID("contact", id); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("desk: Contacts.Update: the update is nil: %w", ErrInvalidOptions)
	}
	return callOne[Contact](ctx, s.client, request{method: http.MethodPatch, path: "/contacts/" + id, body: in})
}

// ContactTicketsOptions filter GET /contacts/{contactId}/tickets.
type ContactTicketsOptions struct {
	ListOptions
	// Include adds related records: "products", "departments", "team",
	// "assignee", "isRead".
	Include      []string `url:"include,comma,omitempty"`
	DepartmentID string   `url:"departmentId,omitempty"`
	// SortBy is "createdTime" or "modifiedTime", with a "-" prefix for
	// descending order.
	SortBy string `url:"sortBy,omitempty"`
	// IsSpam lists the contact's spam tickets when true.
	IsSpam bool `url:"isSpam,omitempty"`
}

var (
	contactTicketIncludes = []string{"products", "departments", "team", "assignee", "isRead"}
	contactTicketSorts    = []string{"createdTime", "modifiedTime"}
)

// Tickets returns one page of the tickets raised by a contact.
//
// Desk API: GET /api/v1/contacts/{contactId}/tickets
func (s *ContactsService) Tickets(ctx context.Context, contactID string, opts *ContactTicketsOptions) ([]Ticket, *Response, error) {
	if err := validateID("contact", contactID); err != nil {
		return nil, nil, err
	}
	if opts == nil {
		opts = &ContactTicketsOptions{}
	}
	if err := opts.ListOptions.validate(maxTicketLimit); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("ContactTicketsOptions.Include", opts.Include, contactTicketIncludes); err != nil {
		return nil, nil, err
	}
	if err := validateSort("ContactTicketsOptions.SortBy", opts.SortBy, contactTicketSorts); err != nil {
		return nil, nil, err
	}
	if err := validateOptionalID("department", opts.DepartmentID); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Ticket](ctx, s.client, request{method: http.MethodGet, path: "/contacts/" + contactID + "/tickets", query: q})
}

// AllTickets iterates over every ticket of a contact (see
// [IterationStopped]).
//
// Desk API: GET /api/v1/contacts/{contactId}/tickets (once per page)
func (s *ContactsService) AllTickets(ctx context.Context, contactID string, opts *ContactTicketsOptions) iter.Seq2[Ticket, error] {
	return listAll(ctx, opts, maxTicketLimit, 0, func(ctx context.Context, o *ContactTicketsOptions) ([]Ticket, *Response, error) {
		return s.Tickets(ctx, contactID, o)
	})
}
