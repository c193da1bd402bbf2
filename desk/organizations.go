package desk

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
)

// OrganizationsService calls the organization (portal) endpoints.
type OrganizationsService service

// Organization is a Desk organization, also called a portal
// (v1.0/Organization.json).
type Organization struct {
	ID                 string `json:"id"`
	CompanyName        string `json:"companyName"`
	PortalName         string `json:"portalName"`
	PortalURL          string `json:"portalURL"`
	Alias              string `json:"alias"`
	Description        string `json:"description"`
	Edition            string `json:"edition"` // FREE, EXPRESS, STANDARD, PROFESSIONAL, ENTERPRISE, ZOHOONE...
	EmployeeCount      int64  `json:"employeeCount"`
	EmployeeCountRange string `json:"employeeCountRange"`
	Industry           string `json:"industry"`
	Street             string `json:"street"`
	City               string `json:"city"`
	State              string `json:"state"`
	Country            string `json:"country"`
	Zip                string `json:"zip"`
	Website            string `json:"website"`
	Mobile             string `json:"mobile"`
	PhoneNumber        string `json:"phoneNumber"`
	Fax                string `json:"fax"`
	PrimaryContact     string `json:"primaryContact"`
	CurrencyLocale     string `json:"currencyLocale"`
	CurrencyCode       string `json:"currencyCode"`
	CurrencySymbol     string `json:"currencySymbol"`
	TimeZone           string `json:"timeZone"`
	LogoURL            string `json:"logoURL"`
	FaviconURL         string `json:"faviconURL"`
	CustomDomain       string `json:"customDomain"`
	IsDefault          bool   `json:"isDefault"`
	IsAdminInOrg       bool   `json:"isAdminInOrg"`
	IsSandboxPortal    bool   `json:"isSandboxPortal"`
	// IsPayloadEncryptionEnabled tells whether payload encryption is on.
	IsPayloadEncryptionEnabled bool `json:"isPayloadEncryptionEnabled"`
	// Designation is the primary contact's job title.
	Designation string `json:"designation"`
	// MigrationFrom, PreferredSolution and PreferredCommunicationChannels
	// are the answers given during onboarding.
	MigrationFrom                  string   `json:"migrationFrom"`
	PreferredSolution              []string `json:"preferredSolution"`
	PreferredCommunicationChannels []string `json:"preferredCommunicationChannels"`

	Extra map[string]json.RawMessage `json:"-"`
}

var organizationCodec = newCodec[Organization]()

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (o *Organization) UnmarshalJSON(b []byte) error {
	return organizationCodec.decode(b, reflect.ValueOf(o).Elem())
}

// List returns the organizations the token's user belongs to. It is the one
// call sent without the orgId header, so it works before the org ID is
// known (Config.OrgID must still be set to a number; any will do).
//
// Desk API: GET /api/v1/organizations
func (s *OrganizationsService) List(ctx context.Context) ([]Organization, *Response, error) {
	return callList[Organization](ctx, s.client, request{method: http.MethodGet, path: "/organizations", noOrg: true})
}

// OrganizationGetOptions are the options of GET /organizations/{id}.
type OrganizationGetOptions struct {
	// IncludeCustomDomain adds the customDomain field.
	IncludeCustomDomain bool `url:"includeCustomDomain,omitempty"`
}

// Get returns the organization with the given ID; opts may be nil.
//
// Desk API: GET /api/v1/organizations/{organizationId}
func (s *OrganizationsService) Get(ctx context.Context, id string, opts *OrganizationGetOptions) (*Organization, *Response, error) {
	if err := validateID("organization", id); err != nil {
		return nil, nil, err
	}
	var q url.Values
	if opts != nil {
		var err error
		if q, err = encodeQuery(opts); err != nil {
			return nil, nil, err
		}
	}
	return callOne[Organization](ctx, s.client, request{method: http.MethodGet, path: "/organizations/" + id, query: q})
}
