package desk

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"reflect"
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

	Extra map[string]json.RawMessage `json:"-"`
}

var agentCodec = newCodec[Agent]()

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
	if err := opts.ListOptions.validate(maxAgentLimit); err != nil {
		return nil, nil, err
	}
	if opts.Status != "" {
		if err := oneOfEach("AgentListOptions.Status", []string{opts.Status}, agentStatuses); err != nil {
			return nil, nil, err
		}
	}
	if err := oneOfEach("AgentListOptions.Include", opts.Include, agentIncludes); err != nil {
		return nil, nil, err
	}
	if err := validateIDs("AgentListOptions.DepartmentIDs", opts.DepartmentIDs, 0); err != nil {
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
	o := valueOf(opts)
	return paginate(ctx, o.ListOptions, maxAgentLimit, 0, func(ctx context.Context, lo ListOptions) ([]Agent, error) {
		o := o
		o.ListOptions = lo
		page, _, err := s.List(ctx, &o)
		return page, err
	})
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
