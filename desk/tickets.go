package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-zohodesk/zohodesk/internal/digits"
	"github.com/google/go-querystring/query"
)

// TicketsService calls the ticket endpoints.
type TicketsService service

// Ticket is a Desk ticket (schemas ticketResponse, listviewJson and
// ticket_detail_response of v1.0/Ticket.json). List calls fill a subset of
// the fields; Get fills them all, and the related records asked for with
// Include (Contact, Assignee, Department, Team, Product).
//
// IDs are strings (Desk's are up to 19 digits). A time Desk left null is the
// zero time. Fields Desk sent that this struct does not declare, and values
// that did not fit their field, are kept verbatim in Extra.
type Ticket struct {
	ID               string `json:"id"`
	TicketNumber     string `json:"ticketNumber"`
	Subject          string `json:"subject"`
	Description      string `json:"description"`
	Status           string `json:"status"`
	StatusType       string `json:"statusType"` // Open, On Hold or Closed
	Priority         string `json:"priority"`
	Channel          string `json:"channel"`
	ChannelCode      string `json:"channelCode"`
	Category         string `json:"category"`
	SubCategory      string `json:"subCategory"`
	Classification   string `json:"classification"`
	Language         string `json:"language"`
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	Resolution       string `json:"resolution"`
	Sentiment        string `json:"sentiment"` // POSITIVE, NEUTRAL or NEGATIVE
	RelationshipType string `json:"relationshipType"`
	WebURL           string `json:"webUrl"`

	DepartmentID string `json:"departmentId"`
	ContactID    string `json:"contactId"`
	AccountID    string `json:"accountId"`
	ProductID    string `json:"productId"`
	AssigneeID   string `json:"assigneeId"`
	TeamID       string `json:"teamId"`
	LayoutID     string `json:"layoutId"`
	SLAID        string `json:"slaId"`
	ContractID   string `json:"contractId"`
	CreatedBy    string `json:"createdBy"`
	ModifiedBy   string `json:"modifiedBy"`

	CreatedTime          time.Time `json:"createdTime"`
	ModifiedTime         time.Time `json:"modifiedTime"`
	DueDate              time.Time `json:"dueDate"`
	ResponseDueDate      time.Time `json:"responseDueDate"`
	CustomerResponseTime time.Time `json:"customerResponseTime"`
	ClosedTime           time.Time `json:"closedTime"`
	OnholdTime           time.Time `json:"onholdTime"`
	LockedTime           time.Time `json:"lockedTime"`

	ThreadCount     int `json:"threadCount"`
	CommentCount    int `json:"commentCount"`
	TaskCount       int `json:"taskCount"`
	AttachmentCount int `json:"attachmentCount"`
	ApprovalCount   int `json:"approvalCount"`
	TimeEntryCount  int `json:"timeEntryCount"`
	TagCount        int `json:"tagCount"`
	FollowerCount   int `json:"followerCount"`
	SharedCount     int `json:"sharedCount"`

	IsOverDue         bool `json:"isOverDue"`
	IsResponseOverdue bool `json:"isResponseOverdue"`
	IsEscalated       bool `json:"isEscalated"`
	IsSpam            bool `json:"isSpam"`
	IsArchived        bool `json:"isArchived"`
	IsDeleted         bool `json:"isDeleted"`
	IsTrashed         bool `json:"isTrashed"`
	IsRead            bool `json:"isRead"`
	IsFollowing       bool `json:"isFollowing"`

	SecondaryContacts  []string           `json:"secondaryContacts"`
	EntitySkills       []string           `json:"entitySkills"`
	SharedDepartments  []SharedDepartment `json:"sharedDepartments"`
	Source             *Source            `json:"source"`
	LayoutDetails      *Layout            `json:"layoutDetails"`
	LastThread         *LastThread        `json:"lastThread"`
	ChannelRelatedInfo map[string]any     `json:"channelRelatedInfo"`
	// CustomFields are the ticket's custom fields ("cf"), by API name
	// (cf_modelname). Values are string, json.Number, bool or nil (unset).
	CustomFields map[string]any `json:"cf"`
	// CustomFieldsByLabel is Desk's older form of the custom fields
	// ("customFields"), keyed by the field's label rather than its API name.
	// The spec types the values as string, integer or null. Prefer
	// CustomFields; Desk does not always send both.
	CustomFieldsByLabel map[string]any `json:"customFields"`
	// SourceTicket is the locked ticket this follow-up ticket was created
	// from; nil for other tickets.
	SourceTicket *TicketRef `json:"sourceTicket"`
	// SkillsInfo describes the skills of EntitySkills; Get fills it when
	// asked with include "skills".
	SkillsInfo []SkillInfo `json:"skillsInfo"`

	// Related records, present when asked for with Include.
	Contact    *Contact       `json:"contact"`
	Assignee   *AgentRef      `json:"assignee"`
	Department *DepartmentRef `json:"department"`
	Team       *TeamRef       `json:"team"`
	Product    *ProductRef    `json:"product"`

	Extra map[string]json.RawMessage `json:"-"`
}

// TicketRef is a ticket as named in another ticket (sourceTicket).
type TicketRef struct {
	ID      string                     `json:"id"`
	Subject string                     `json:"subject"`
	Extra   map[string]json.RawMessage `json:"-"`
}

// SkillInfo is one skill a ticket needs (schema skills_info_json).
type SkillInfo struct {
	SkillID       string `json:"skillId"`
	SkillName     string `json:"skillName"`
	SkillTypeID   string `json:"skillTypeId"`
	SkillTypeName string `json:"skillTypeName"`
	// MappingType is SYSTEM (set by a skill rule) or USER (set by hand).
	MappingType string `json:"mappingType"`
	// Weightage is the skill's weight, 1 to 10; 0 when Desk sent null.
	Weightage int                        `json:"weightage"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// Source is where a ticket or thread came from (schema channelSource).
type Source struct {
	Type        string                     `json:"type"` // SYSTEM, INTEGRATION or INSTANT_MESSAGE
	AppName     string                     `json:"appName"`
	ExtID       string                     `json:"extId"`
	Permalink   string                     `json:"permalink"`
	AppPhotoURL string                     `json:"appPhotoURL"`
	UUID        string                     `json:"uuid"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// SharedDepartment is a department a ticket is shared with.
type SharedDepartment struct {
	ID    string                     `json:"id"`
	Name  string                     `json:"name"`
	Type  string                     `json:"type"` // READ_ONLY, READ_WRITE or RESTRICTED_ACCESS
	Extra map[string]json.RawMessage `json:"-"`
}

// Layout names a record's layout.
type Layout struct {
	ID         string                     `json:"id"`
	LayoutName string                     `json:"layoutName"`
	Extra      map[string]json.RawMessage `json:"-"`
}

// LastThread summarises the latest thread of a ticket in list views.
type LastThread struct {
	Channel   string                     `json:"channel"`
	Direction string                     `json:"direction"` // in or out
	IsDraft   bool                       `json:"isDraft"`
	IsForward bool                       `json:"isForward"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// AgentRef is an agent as embedded in other records (assignee, author).
type AgentRef struct {
	ID        string                     `json:"id"`
	FirstName string                     `json:"firstName"`
	LastName  string                     `json:"lastName"`
	Email     string                     `json:"email"`
	PhotoURL  string                     `json:"photoURL"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// DepartmentRef is a department as embedded in other records.
type DepartmentRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SanitizedName is sent in an agent's associated departments.
	SanitizedName string                     `json:"sanitizedName"`
	Extra         map[string]json.RawMessage `json:"-"`
}

// TeamRef is a team as embedded in other records.
type TeamRef struct {
	ID      string                     `json:"id"`
	Name    string                     `json:"name"`
	LogoURL string                     `json:"logoUrl"`
	Extra   map[string]json.RawMessage `json:"-"`
}

// ProductRef is a product as embedded in other records.
type ProductRef struct {
	ID          string                     `json:"id"`
	ProductName string                     `json:"productName"`
	Extra       map[string]json.RawMessage `json:"-"`
}

var (
	ticketCodec        = newCodec[Ticket]()
	sourceCodec        = newCodec[Source]()
	sharedDeptCodec    = newCodec[SharedDepartment]()
	layoutCodec        = newCodec[Layout]()
	lastThreadCodec    = newCodec[LastThread]()
	agentRefCodec      = newCodec[AgentRef]()
	departmentRefCodec = newCodec[DepartmentRef]()
	teamRefCodec       = newCodec[TeamRef]()
	productRefCodec    = newCodec[ProductRef]()
	ticketRefCodec     = newCodec[TicketRef]()
	skillInfoCodec     = newCodec[SkillInfo]()
)

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (t *TicketRef) UnmarshalJSON(b []byte) error {
	return ticketRefCodec.decode(b, reflect.ValueOf(t).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (s *SkillInfo) UnmarshalJSON(b []byte) error {
	return skillInfoCodec.decode(b, reflect.ValueOf(s).Elem())
}

// UnmarshalJSON decodes tolerantly: see the Ticket type.
func (t *Ticket) UnmarshalJSON(b []byte) error {
	return ticketCodec.decode(b, reflect.ValueOf(t).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (s *Source) UnmarshalJSON(b []byte) error {
	return sourceCodec.decode(b, reflect.ValueOf(s).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (s *SharedDepartment) UnmarshalJSON(b []byte) error {
	return sharedDeptCodec.decode(b, reflect.ValueOf(s).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (l *Layout) UnmarshalJSON(b []byte) error {
	return layoutCodec.decode(b, reflect.ValueOf(l).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (l *LastThread) UnmarshalJSON(b []byte) error {
	return lastThreadCodec.decode(b, reflect.ValueOf(l).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *AgentRef) UnmarshalJSON(b []byte) error {
	return agentRefCodec.decode(b, reflect.ValueOf(a).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (d *DepartmentRef) UnmarshalJSON(b []byte) error {
	return departmentRefCodec.decode(b, reflect.ValueOf(d).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (t *TeamRef) UnmarshalJSON(b []byte) error {
	return teamRefCodec.decode(b, reflect.ValueOf(t).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (p *ProductRef) UnmarshalJSON(b []byte) error {
	return productRefCodec.decode(b, reflect.ValueOf(p).Elem())
}

// ListOptions are the paging options of every list call.
type ListOptions struct {
	// From is the index of the first record, starting at 0.
	From int `url:"from,omitempty"`
	// Limit is the number of records per page, between 1 and the list's
	// maximum (100 for tickets); 0 means Desk's default.
	Limit int `url:"limit,omitempty"`
}

func (o *ListOptions) validate(maxLimit int) error {
	if o.From < 0 {
		return fmt.Errorf("desk: ListOptions.From is %d: it must be 0 or more: %w", o.From, ErrInvalidOptions)
	}
	if o.Limit < 0 || o.Limit > maxLimit {
		return fmt.Errorf("desk: ListOptions.Limit is %d: it must be between 1 and %d (0 for Desk's default): %w", o.Limit, maxLimit, ErrInvalidOptions)
	}
	return nil
}

// The largest page each list accepts.
const (
	maxTicketLimit = 100
	// maxThreadLimit: v1.0/Thread.json gives GET /tickets/{id}/threads
	// no maximum for limit; 100, the maximum of the other v1.0 ticket
	// lists, is the safe value, and desktest enforces the same.
	maxThreadLimit     = 100
	maxCommentLimit    = 100
	maxContactLimit    = 100
	maxAccountLimit    = 100
	maxAgentLimit      = 200
	maxDepartmentLimit = 200
	maxSearchLimit     = 100
	// maxSearchFrom is the deepest from the cross-module search accepts
	// (design.md). v1.0/Search.json, doSearch, sets no maximum for from or
	// limit; these bounds are ours and desktest enforces the same.
	maxSearchFrom = 4999
	// maxTicketSearchFrom is the deepest from GET /tickets/search accepts:
	// v1.0/Search.json, searchTickets, gives from a maximum of 999.
	maxTicketSearchFrom = 999
)

// includeQuery is the query of a Get with an include list; nil when empty.
func includeQuery(include []string) url.Values {
	if len(include) == 0 {
		return nil
	}
	return url.Values{"include": {strings.Join(include, ",")}}
}

func encodeQuery(opts any) (url.Values, error) {
	v, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("desk: encoding options: %w", err)
	}
	return v, nil
}

// TicketListOptions filter GET /tickets. Multi-valued filters are sent as
// comma-separated lists.
type TicketListOptions struct {
	ListOptions
	// Include adds related records: "contacts", "products", "departments",
	// "team", "assignee".
	Include []string `url:"include,comma,omitempty"`
	// Status filters by status, e.g. "Open", "On Hold" (custom statuses too).
	Status []string `url:"status,comma,omitempty"`
	// Assignee filters by assignee IDs, or "Unassigned".
	Assignee []string `url:"assignee,comma,omitempty"`
	// DepartmentID limits the list to one department; DepartmentIDs to at
	// most 20.
	DepartmentID  string   `url:"departmentId,omitempty"`
	DepartmentIDs []string `url:"departmentIds,comma,omitempty"`
	TeamIDs       []string `url:"teamIds,comma,omitempty"`
	// ViewID lists the tickets of a view.
	ViewID   string   `url:"viewId,omitempty"`
	Channel  []string `url:"channel,comma,omitempty"`
	Priority []string `url:"priority,comma,omitempty"`
	// ReceivedInDays keeps tickets whose customer responded in the last 15,
	// 30 or 90 days (-1: any time); 0 leaves it out.
	ReceivedInDays int `url:"receivedInDays,omitempty"`
	// Fields returns only these fields (at most 30), by API name.
	Fields []string `url:"fields,comma,omitempty"`
	// SortBy is "dueDate", "createdTime" or "recentThread", ascending; a
	// "-" prefix sorts descending ("-createdTime").
	SortBy string `url:"sortBy,omitempty"`

	// The spec's "filters" parameter (schema filter_json of
	// v1.0/Ticket.json) is deliberately not offered: it is a JSON object in
	// the query string whose keys are UI labels ("Closed Time", "Due Date",
	// "Mode") with free-form values and a "criteria" tree whose only
	// condition is "is", and the spec gives no example of an accepted
	// value. A wrong guess would be rejected with 422 or, worse, filter
	// silently. Use Status, Priority, Channel, Assignee, ViewID, or
	// Tickets.Search with CustomFields instead.
}

var (
	ticketListIncludes = []string{"contacts", "products", "departments", "team", "assignee"}
	ticketGetIncludes  = []string{"contacts", "products", "departments", "team", "assignee", "contract", "isRead", "skills"}
	ticketSorts        = []string{"dueDate", "createdTime", "recentThread"}
)

func (o *TicketListOptions) validate() error {
	if err := o.ListOptions.validate(maxTicketLimit); err != nil {
		return err
	}
	if err := oneOfEach("TicketListOptions.Include", o.Include, ticketListIncludes); err != nil {
		return err
	}
	if err := validateSort("TicketListOptions.SortBy", o.SortBy, ticketSorts); err != nil {
		return err
	}
	switch o.ReceivedInDays {
	case 0, 15, 30, 90, -1:
	default:
		return fmt.Errorf("desk: TicketListOptions.ReceivedInDays is %d: use 15, 30, 90 or -1: %w", o.ReceivedInDays, ErrInvalidOptions)
	}
	if err := validateOptionalID("department", o.DepartmentID); err != nil {
		return err
	}
	if err := validateOptionalID("view", o.ViewID); err != nil {
		return err
	}
	if err := validateIDs("TicketListOptions.DepartmentIDs", o.DepartmentIDs, 20); err != nil {
		return err
	}
	if err := validateIDs("TicketListOptions.TeamIDs", o.TeamIDs, 0); err != nil {
		return err
	}
	if len(o.Priority) > 20 {
		return fmt.Errorf("desk: TicketListOptions.Priority has %d values; at most 20: %w", len(o.Priority), ErrInvalidOptions)
	}
	if len(o.Fields) > 30 {
		return fmt.Errorf("desk: TicketListOptions.Fields has %d values; at most 30: %w", len(o.Fields), ErrInvalidOptions)
	}
	for _, a := range o.Assignee {
		if a != "Unassigned" && !digits.Only(a) {
			return fmt.Errorf("desk: TicketListOptions.Assignee %q is neither an agent ID nor \"Unassigned\": %w", excerpt([]byte(a), 30), ErrInvalidOptions)
		}
	}
	return nil
}

// List returns one page of tickets. An empty page (HTTP 204) is a nil slice
// and no error.
//
// Desk API: GET /api/v1/tickets
func (s *TicketsService) List(ctx context.Context, opts *TicketListOptions) ([]Ticket, *Response, error) {
	if opts == nil {
		opts = &TicketListOptions{}
	}
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Ticket](ctx, s.client, request{method: http.MethodGet, path: "/tickets", query: q})
}

// All iterates over every ticket matching opts, from opts.From on, one page
// per call (opts.Limit, or 100 when 0). See [IterationStopped] for how it
// ends on an error and how to resume.
//
// Desk API: GET /api/v1/tickets (once per page)
func (s *TicketsService) All(ctx context.Context, opts *TicketListOptions) iter.Seq2[Ticket, error] {
	return listAll(ctx, opts, maxTicketLimit, 0, s.List)
}

// Get returns the ticket with the given ID. include adds related records:
// "contacts", "products", "departments", "team", "assignee", "contract",
// "isRead", "skills".
//
// Desk API: GET /api/v1/tickets/{ticketId}
func (s *TicketsService) Get(ctx context.Context, id string, include ...string) (*Ticket, *Response, error) {
	if err := validateID("ticket", id); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("Tickets.Get include", include, ticketGetIncludes); err != nil {
		return nil, nil, err
	}
	return callOne[Ticket](ctx, s.client, request{method: http.MethodGet, path: "/tickets/" + id, query: includeQuery(include)})
}

// TicketInput is the body of a ticket create or update. Zero values are
// left out of the request, so an update changes only the fields set; to
// clear a custom field, set it to nil in CustomFields.
type TicketInput struct {
	Subject           string         `json:"subject,omitempty"`
	DepartmentID      string         `json:"departmentId,omitempty"`
	ContactID         string         `json:"contactId,omitempty"`
	Contact           *ContactInput  `json:"contact,omitempty"`
	Description       string         `json:"description,omitempty"`
	Status            string         `json:"status,omitempty"`
	Priority          string         `json:"priority,omitempty"`
	Channel           string         `json:"channel,omitempty"`
	Category          string         `json:"category,omitempty"`
	SubCategory       string         `json:"subCategory,omitempty"`
	Classification    string         `json:"classification,omitempty"`
	Language          string         `json:"language,omitempty"`
	Email             string         `json:"email,omitempty"`
	Phone             string         `json:"phone,omitempty"`
	AssigneeID        string         `json:"assigneeId,omitempty"`
	TeamID            string         `json:"teamId,omitempty"`
	AccountID         string         `json:"accountId,omitempty"`
	ProductID         string         `json:"productId,omitempty"`
	LayoutID          string         `json:"layoutId,omitempty"`
	Resolution        string         `json:"resolution,omitempty"`
	DueDate           *time.Time     `json:"dueDate,omitempty"`
	SecondaryContacts []string       `json:"secondaryContacts,omitempty"`
	EntitySkills      []string       `json:"entitySkills,omitempty"`
	Uploads           []string       `json:"uploads,omitempty"`
	CustomFields      map[string]any `json:"cf,omitempty"`

	// DisableClosureNotification, on Update, keeps Desk from notifying the
	// contact when the update closes the ticket. It is sent as the query
	// parameter disableClosureNotification=true, not in the body.
	DisableClosureNotification bool `json:"-"`
}

// Create creates a ticket. Desk requires Subject, DepartmentID and either
// ContactID or Contact (a contact to create with the ticket).
//
// Desk API: POST /api/v1/tickets
func (s *TicketsService) Create(ctx context.Context, in *TicketInput) (*Ticket, *Response, error) {
	switch {
	case in == nil:
		return nil, nil, fmt.Errorf("desk: Tickets.Create: the ticket is nil: %w", ErrInvalidOptions)
	case strings.TrimSpace(in.Subject) == "":
		return nil, nil, fmt.Errorf("desk: Tickets.Create: Subject is required: %w", ErrInvalidOptions)
	case in.DepartmentID == "":
		return nil, nil, fmt.Errorf("desk: Tickets.Create: DepartmentID is required: %w", ErrInvalidOptions)
	case in.ContactID == "" && in.Contact == nil:
		return nil, nil, fmt.Errorf("desk: Tickets.Create: set ContactID, or Contact to create one: %w", ErrInvalidOptions)
	}
	if err := validateTicketInputIDs(in); err != nil {
		return nil, nil, err
	}
	return callOne[Ticket](ctx, s.client, request{method: http.MethodPost, path: "/tickets", body: in})
}

// Update changes the fields of in that are set and returns the ticket. Set
// in.DisableClosureNotification to close a ticket without notifying its
// contact.
//
// Desk API: PATCH /api/v1/tickets/{ticketId}
func (s *TicketsService) Update(ctx context.Context, id string, in *TicketInput) (*Ticket, *Response, error) {
	if err := validateID("ticket", id); err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, fmt.Errorf("desk: Tickets.Update: the update is nil: %w", ErrInvalidOptions)
	}
	if err := validateTicketInputIDs(in); err != nil {
		return nil, nil, err
	}
	var q url.Values
	if in.DisableClosureNotification {
		q = url.Values{"disableClosureNotification": {"true"}}
	}
	return callOne[Ticket](ctx, s.client, request{method: http.MethodPatch, path: "/tickets/" + id, query: q, body: in})
}

func validateTicketInputIDs(in *TicketInput) error {
	for _, f := range []struct{ what, id string }{
		{"department", in.DepartmentID}, {"contact", in.ContactID}, {"assignee", in.AssigneeID},
		{"team", in.TeamID}, {"account", in.AccountID}, {"product", in.ProductID}, {"layout", in.LayoutID},
	} {
		if err := validateOptionalID(f.what, f.id); err != nil {
			return err
		}
	}
	return nil
}

// maxBulkIDs bounds the IDs of one bulk call. Desk's limit is not in the
// spec; the bound keeps a mistake from charging for thousands of records.
const maxBulkIDs = 1000

// MoveToTrash moves the tickets to the recycle bin (Desk has no single
// ticket DELETE). It is charged per ticket. Desk answers 204 on success.
//
// Desk API: POST /api/v1/tickets/moveToTrash
func (s *TicketsService) MoveToTrash(ctx context.Context, ids []string) (*Response, error) {
	if err := validateIDs("Tickets.MoveToTrash ids", ids, maxBulkIDs); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("desk: Tickets.MoveToTrash: no ticket IDs: %w", ErrInvalidOptions)
	}
	body := struct {
		TicketIDs []string `json:"ticketIds"`
	}{ids}
	return s.client.call(ctx, request{method: http.MethodPost, path: "/tickets/moveToTrash", body: body, records: len(ids)}, nil)
}

// BulkUpdate sets one field to one value on many tickets (schema
// bulkUpdateRequest).
type BulkUpdate struct {
	IDs        []string `json:"ids"`
	FieldName  string   `json:"fieldName"`
	FieldValue string   `json:"fieldValue"`
	// IsCustomField says FieldName is a custom field's API name.
	IsCustomField bool `json:"isCustomField"`
}

// UpdateMany sets one field on many tickets. Desk answers 204 on success.
//
// Desk API: POST /api/v1/tickets/updateMany
func (s *TicketsService) UpdateMany(ctx context.Context, u *BulkUpdate) (*Response, error) {
	if u == nil || len(u.IDs) == 0 {
		return nil, fmt.Errorf("desk: Tickets.UpdateMany: no ticket IDs: %w", ErrInvalidOptions)
	}
	if strings.TrimSpace(u.FieldName) == "" {
		return nil, fmt.Errorf("desk: Tickets.UpdateMany: FieldName is required: %w", ErrInvalidOptions)
	}
	if err := validateIDs("Tickets.UpdateMany IDs", u.IDs, maxBulkIDs); err != nil {
		return nil, err
	}
	return s.client.call(ctx, request{method: http.MethodPost, path: "/tickets/updateMany", body: u, records: len(u.IDs)}, nil)
}

// CloseMany closes the tickets.
//
// Desk API: POST /api/v1/closeTickets
func (s *TicketsService) CloseMany(ctx context.Context, ids []string) (*Response, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("desk: Tickets.CloseMany: no ticket IDs: %w", ErrInvalidOptions)
	}
	if err := validateIDs("Tickets.CloseMany ids", ids, maxBulkIDs); err != nil {
		return nil, err
	}
	body := struct {
		IDs []string `json:"ids"`
	}{ids}
	return s.client.call(ctx, request{method: http.MethodPost, path: "/closeTickets", body: body, records: len(ids)}, nil)
}

// TicketCountOptions filter GET /ticketsCount. They are the parameters of
// v1.0/TicketCount.json, getTicketsCount: Desk counts by department,
// assignee, contact, category and the created and modified time ranges, and
// takes no status, channel, view or spam filter on this endpoint.
type TicketCountOptions struct {
	// DepartmentID counts one department; empty counts all of them.
	DepartmentID string `url:"departmentId,omitempty"`
	AssigneeID   string `url:"assigneeId,omitempty"`
	// ContactID counts the tickets the contact raised.
	ContactID string `url:"contactId,omitempty"`
	// Category is the ticket's category.
	Category          string     `url:"category,omitempty"`
	CreatedTimeRange  *TimeRange `url:"createdTimeRange,omitempty"`
	ModifiedTimeRange *TimeRange `url:"modifiedTimeRange,omitempty"`
}

func (o *TicketCountOptions) validate() error {
	for _, f := range []struct{ what, id string }{{"department", o.DepartmentID}, {"assignee", o.AssigneeID}, {"contact", o.ContactID}} {
		if err := validateOptionalID(f.what, f.id); err != nil {
			return err
		}
	}
	return errors.Join(
		o.CreatedTimeRange.validate("TicketCountOptions.CreatedTimeRange"),
		o.ModifiedTimeRange.validate("TicketCountOptions.ModifiedTimeRange"),
	)
}

type countBody struct {
	Count int64 `json:"count"`
}

var countCodec = newCodec[countBody]()

func (c *countBody) UnmarshalJSON(b []byte) error {
	return countCodec.decode(b, reflect.ValueOf(c).Elem())
}

// Count returns the number of tickets matching opts (which may be nil).
// Counts are among Desk's most expensive calls (about 50 credits).
//
// Desk API: GET /api/v1/ticketsCount (v1.0/TicketCount.json)
func (s *TicketsService) Count(ctx context.Context, opts *TicketCountOptions) (int64, *Response, error) {
	if opts == nil {
		opts = &TicketCountOptions{}
	}
	if err := opts.validate(); err != nil {
		return 0, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return 0, nil, err
	}
	var out countBody
	resp, err := s.client.call(ctx, request{method: http.MethodGet, path: "/ticketsCount", query: q}, &out)
	return out.Count, resp, err
}

// validateOptionalID is validateID for an ID that may be left empty.
func validateOptionalID(what, id string) error {
	if id == "" {
		return nil
	}
	return validateID(what, id)
}

// validateID rejects an ID that is not all digits before it reaches a URL.
func validateID(what, id string) error {
	if id == "" {
		return fmt.Errorf("desk: the %s ID is empty: %w", what, ErrInvalidOptions)
	}
	if !digits.Only(id) {
		return fmt.Errorf("desk: the %s ID %q is not numeric: %w", what, excerpt([]byte(id), 30), ErrInvalidOptions)
	}
	return nil
}

// validateIDs checks a list of IDs: all numeric, at most max (0: no bound).
func validateIDs(what string, ids []string, max int) error {
	if max > 0 && len(ids) > max {
		return fmt.Errorf("desk: %s has %d IDs; at most %d: %w", what, len(ids), max, ErrInvalidOptions)
	}
	for _, id := range ids {
		if !digits.Only(id) {
			return fmt.Errorf("desk: %s: ID %q is not numeric: %w", what, excerpt([]byte(id), 30), ErrInvalidOptions)
		}
	}
	return nil
}

// oneOfEach checks that every value is one of allowed.
func oneOfEach(what string, values, allowed []string) error {
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("desk: %s %q is not one of %s: %w", what, excerpt([]byte(v), 30), strings.Join(allowed, ", "), ErrInvalidOptions)
		}
	}
	return nil
}

// validateSort checks a sortBy value: one of allowed, with an optional "-"
// prefix for descending order; "" means Desk's default order.
func validateSort(what, sortBy string, allowed []string) error {
	if sortBy == "" {
		return nil
	}
	if !slices.Contains(allowed, strings.TrimPrefix(sortBy, "-")) {
		return fmt.Errorf("desk: %s %q: use one of %s, with a \"-\" prefix for descending order: %w", what, excerpt([]byte(sortBy), 30), strings.Join(allowed, ", "), ErrInvalidOptions)
	}
	return nil
}
