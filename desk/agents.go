package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"regexp"
	"time"
)

// AgentsService calls the agent endpoints.
type AgentsService service

// Agent is a Desk agent (v1.0/Agent.json).
type Agent struct {
	ID                 string `json:"id"`
	FirstName          string `json:"firstName"`
	LastName           string `json:"lastName"`
	Name               string `json:"name"`
	EmailID            string `json:"emailId"`
	Phone              string `json:"phone"`
	Mobile             string `json:"mobile"`
	Extn               string `json:"extn"`
	LangCode           string `json:"langCode"`
	TimeZone           string `json:"timeZone"`
	CountryCode        string `json:"countryCode"`
	AboutInfo          string `json:"aboutInfo"`
	PhotoURL           string `json:"photoURL"`
	Status             string `json:"status"` // ACTIVE, DISABLED, DELETED...
	RoleID             string `json:"roleId"`
	ProfileID          string `json:"profileId"`
	RolePermissionType string `json:"rolePermissionType"`
	ZUID               string `json:"zuid"`
	IsConfirmed        bool   `json:"isConfirmed"`
	IsZiaAgent         bool   `json:"isZiaAgent"`
	// IsLightAgent marks a light agent (not counted in the credit allotment).
	IsLightAgent                bool      `json:"isLightAgent"`
	AssociatedDepartmentIDs     []string  `json:"associatedDepartmentIds"`
	AssociatedChatDepartmentIDs []string  `json:"associatedChatDepartmentIds"`
	ChannelExpert               []string  `json:"channelExpert"`
	CreatedTime                 time.Time `json:"createdTime"`
	ModifiedTime                time.Time `json:"modifiedTime"`

	// Role and Profile are sent with include "role" and "profile".
	Role    *NameRef `json:"role"`
	Profile *NameRef `json:"profile"`
	// AssociatedDepartments and AssociatedChatDepartments are sent by Get
	// with include "associatedDepartments" and "associatedChatDepartments".
	AssociatedDepartments     []DepartmentRef `json:"associatedDepartments"`
	AssociatedChatDepartments []DepartmentRef `json:"associatedChatDepartments"`
	// CustomFields are the agent's custom fields ("cf"), by API name.
	CustomFields map[string]any `json:"cf"`

	Extra map[string]json.RawMessage `json:"-"`
}

// NameRef is a record embedded by ID and name (an agent's role or
// profile).
type NameRef struct {
	ID    string                     `json:"id"`
	Name  string                     `json:"name"`
	Extra map[string]json.RawMessage `json:"-"`
}

var (
	agentCodec   = newCodec[Agent]()
	nameRefCodec = newCodec[NameRef]()
)

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (n *NameRef) UnmarshalJSON(b []byte) error {
	return nameRefCodec.decode(b, reflect.ValueOf(n).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *Agent) UnmarshalJSON(b []byte) error { return agentCodec.decode(b, reflect.ValueOf(a).Elem()) }

// AgentListOptions filter GET /agents.
type AgentListOptions struct {
	ListOptions
	// Status is "ACTIVE", "DISABLED", "DELETED" or "IMPORTED".
	Status string `url:"status,omitempty"`
	// IsConfirmed keeps agents who accepted their invitation when true.
	IsConfirmed bool `url:"isConfirmed,omitempty"`
	// SearchStr matches names and email addresses.
	SearchStr     string   `url:"searchStr,omitempty"`
	DepartmentIDs []string `url:"departmentIds,comma,omitempty"`
	// Include adds related data: "profile", "role". (The department
	// associations are only available from Get.)
	Include []string `url:"include,comma,omitempty"`
	// RoleIDs and ProfileIDs keep agents with one of these roles or
	// profiles (at most 50 IDs each).
	RoleIDs    []string `url:"roleIds,comma,omitempty"`
	ProfileIDs []string `url:"profileIds,comma,omitempty"`
	// RolePermissionType is "AgentPublic", "AgentPersonal",
	// "AgentTeamPersonal", "Admin", "Custom", "Light" or "${NON_LIGHT}"
	// (every agent who is not a light agent).
	RolePermissionType string `url:"rolePermissionType,omitempty"`
	// IsLightAgent keeps only light agents (true) or only full agents
	// (false); nil keeps both. Light agents do not count towards the
	// organisation's credit allotment.
	IsLightAgent *bool `url:"isLightAgent,omitempty"`
	// FieldName limits SearchStr to one field: "firstName", "lastName",
	// "name" or "emailId"; empty searches names and email addresses.
	FieldName string `url:"fieldName,omitempty"`
	// CFFieldName and CFSearchStr search one custom field of the agents:
	// CFFieldName is its API name ("cf_employee_id"), CFSearchStr the value
	// to match. Set both or neither.
	CFFieldName string `url:"cfFieldName,omitempty"`
	CFSearchStr string `url:"cfSearchStr,omitempty"`
	// SortOrder is "asc" or "desc"; empty is Desk's default order.
	SortOrder string `url:"sortOrder,omitempty"`
}

// maxAgentFilterIDs is the most role or profile IDs GET /agents takes.
const maxAgentFilterIDs = 50

var (
	agentPermissionTypes = []string{"AgentPublic", "AgentPersonal", "AgentTeamPersonal", "Admin", "Custom", "Light", "${NON_LIGHT}"}
	agentFieldNames      = []string{"firstName", "lastName", "name", "emailId"}
	agentSortOrders      = []string{"asc", "desc"}
	// agentCFName is the pattern of cfFieldName in v1.0/Agent.json.
	agentCFName = regexp.MustCompile(`^cf_[A-Za-z0-9_]+$`)
)

func (o *AgentListOptions) validate() error {
	if err := o.ListOptions.validate(maxAgentLimit); err != nil {
		return err
	}
	if o.Status != "" {
		if err := oneOfEach("AgentListOptions.Status", []string{o.Status}, agentStatuses); err != nil {
			return err
		}
	}
	if err := oneOfEach("AgentListOptions.Include", o.Include, agentIncludes); err != nil {
		return err
	}
	if err := validateIDs("AgentListOptions.DepartmentIDs", o.DepartmentIDs, 0); err != nil {
		return err
	}
	if err := validateIDs("AgentListOptions.RoleIDs", o.RoleIDs, maxAgentFilterIDs); err != nil {
		return err
	}
	if err := validateIDs("AgentListOptions.ProfileIDs", o.ProfileIDs, maxAgentFilterIDs); err != nil {
		return err
	}
	for _, f := range []struct {
		what, v string
		allowed []string
	}{
		{"AgentListOptions.RolePermissionType", o.RolePermissionType, agentPermissionTypes},
		{"AgentListOptions.FieldName", o.FieldName, agentFieldNames},
		{"AgentListOptions.SortOrder", o.SortOrder, agentSortOrders},
	} {
		if f.v != "" {
			if err := oneOfEach(f.what, []string{f.v}, f.allowed); err != nil {
				return err
			}
		}
	}
	if n := len([]rune(o.SearchStr)); n > 100 {
		return fmt.Errorf("desk: AgentListOptions.SearchStr has %d characters; at most 100: %w", n, ErrInvalidOptions)
	}
	if (o.CFFieldName == "") != (o.CFSearchStr == "") {
		return fmt.Errorf("desk: AgentListOptions: set CFFieldName and CFSearchStr together: %w", ErrInvalidOptions)
	}
	if o.CFFieldName != "" && !agentCFName.MatchString(o.CFFieldName) {
		return fmt.Errorf("desk: AgentListOptions.CFFieldName %q is not a custom field's API name (cf_...): %w", excerpt([]byte(o.CFFieldName), 30), ErrInvalidOptions)
	}
	return nil
}

var (
	agentStatuses    = []string{"ACTIVE", "DISABLED", "DELETED", "IMPORTED"}
	agentIncludes    = []string{"profile", "role"}
	agentGetIncludes = []string{"profile", "role", "associatedDepartments", "associatedChatDepartments", "verifiedEmails"}
)

// List returns one page of agents.
//
// Desk API: GET /api/v1/agents
func (s *AgentsService) List(ctx context.Context, opts *AgentListOptions) ([]Agent, *Response, error) {
	if opts == nil {
		opts = &AgentListOptions{}
	}
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Agent](ctx, s.client, request{method: http.MethodGet, path: "/agents", query: q})
}

// All iterates over every agent matching opts (see [IterationStopped]).
//
// Desk API: GET /api/v1/agents (once per page)
func (s *AgentsService) All(ctx context.Context, opts *AgentListOptions) iter.Seq2[Agent, error] {
	return listAll(ctx, opts, maxAgentLimit, 0, s.List)
}

// Get returns the agent with the given ID. include adds related data:
// "profile", "role", "associatedDepartments", "associatedChatDepartments",
// "verifiedEmails".
//
// Desk API: GET /api/v1/agents/{agentId}
func (s *AgentsService) Get(ctx context.Context, id string, include ...string) (*Agent, *Response, error) {
	if err := validateID("agent", id); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("Agents.Get include", include, agentGetIncludes); err != nil {
		return nil, nil, err
	}
	return callOne[Agent](ctx, s.client, request{method: http.MethodGet, path: "/agents/" + id, query: includeQuery(include)})
}
