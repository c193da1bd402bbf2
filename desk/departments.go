package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"time"
)

// DepartmentsService calls the department endpoints.
type DepartmentsService service

// Department is a Desk department (v1.0/Department.json).
type Department struct {
	ID                        string    `json:"id"`
	Name                      string    `json:"name"`
	Description               string    `json:"description"`
	NameInCustomerPortal      string    `json:"nameInCustomerPortal"`
	SanitizedName             string    `json:"sanitizedName"`
	ChatStatus                string    `json:"chatStatus"`
	CreatorID                 string    `json:"creatorId"`
	IsEnabled                 bool      `json:"isEnabled"`
	IsDefault                 bool      `json:"isDefault"`
	HasLogo                   bool      `json:"hasLogo"`
	IsVisibleInCustomerPortal bool      `json:"isVisibleInCustomerPortal"`
	IsAssignToTeamEnabled     bool      `json:"isAssignToTeamEnabled"`
	CreatedTime               time.Time `json:"createdTime"`
	// AssociatedAgentIDs are the department's agents (Get only).
	AssociatedAgentIDs []string `json:"associatedAgentIds"`

	Extra map[string]json.RawMessage `json:"-"`
}

var departmentCodec = newCodec[Department]()

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (d *Department) UnmarshalJSON(b []byte) error {
	return departmentCodec.decode(b, reflect.ValueOf(d).Elem())
}

// DepartmentListOptions filter GET /departments.
type DepartmentListOptions struct {
	ListOptions
	// IsEnabled keeps only enabled (true) or only disabled (false)
	// departments; nil keeps both.
	IsEnabled *bool `url:"isEnabled,omitempty"`
	// SearchStr matches department names (1 to 100 characters; "Sup*"
	// for a prefix, "*port*" for a substring).
	SearchStr string `url:"searchStr,omitempty"`
	// ChatStatus is "AVAILABLE", "DISABLED", "NOT_CREATED" or
	// "${UNAVAILABLE}" (departments not available for chat).
	ChatStatus string `url:"chatStatus,omitempty"`
}

var departmentChatStatuses = []string{"AVAILABLE", "DISABLED", "NOT_CREATED", "${UNAVAILABLE}"}

// List returns one page of departments.
//
// Desk API: GET /api/v1/departments
func (s *DepartmentsService) List(ctx context.Context, opts *DepartmentListOptions) ([]Department, *Response, error) {
	if opts == nil {
		opts = &DepartmentListOptions{}
	}
	if err := opts.ListOptions.validate(maxDepartmentLimit); err != nil {
		return nil, nil, err
	}
	if opts.ChatStatus != "" {
		if err := oneOfEach("DepartmentListOptions.ChatStatus", []string{opts.ChatStatus}, departmentChatStatuses); err != nil {
			return nil, nil, err
		}
	}
	if n := len([]rune(opts.SearchStr)); n > 100 {
		return nil, nil, fmt.Errorf("desk: DepartmentListOptions.SearchStr has %d characters; at most 100: %w", n, ErrInvalidOptions)
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Department](ctx, s.client, request{method: http.MethodGet, path: "/departments", query: q})
}

// All iterates over every department matching opts (see
// [IterationStopped]).
//
// Desk API: GET /api/v1/departments (once per page)
func (s *DepartmentsService) All(ctx context.Context, opts *DepartmentListOptions) iter.Seq2[Department, error] {
	return listAll(ctx, opts, maxDepartmentLimit, 0, s.List)
}

// Get returns the department with the given ID.
//
// Desk API: GET /api/v1/departments/{departmentId}
func (s *DepartmentsService) Get(ctx context.Context, id string) (*Department, *Response, error) {
	if err := validateID("department", id); err != nil {
		return nil, nil, err
	}
	return callOne[Department](ctx, s.client, request{method: http.MethodGet, path: "/departments/" + id})
}
