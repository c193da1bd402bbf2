package desktest

import (
	"encoding/json"
	"strconv"
	"time"
)

// timeLayout is how Desk writes instants: UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// deskTime is an instant written the way Desk writes it
// ("2016-06-21T16:16:16.000Z"), or null when zero.
type deskTime time.Time

func (t deskTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(timeLayout)+2)
	b = append(b, '"')
	b = tt.UTC().AppendFormat(b, timeLayout)
	return append(b, '"'), nil
}

func (t deskTime) time() time.Time { return time.Time(t) }

// numString is a count that Desk writes as a JSON string ("121").
type numString int

func (n numString) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.Itoa(int(n))), nil
}

// The records below follow the field names and JSON types of the official
// OpenAPI spec (zoho/zohodesk-oas, v1.0/). They are desktest's own
// representation, independent of package desk's structs.

type organization struct {
	ID                  int64   `json:"id"`
	CompanyName         string  `json:"companyName"`
	PortalName          string  `json:"portalName"`
	PortalURL           string  `json:"portalURL"`
	Alias               *string `json:"alias"`
	Edition             string  `json:"edition"`
	IsDefault           bool    `json:"isDefault"`
	IsAdminInOrg        bool    `json:"isAdminInOrg"`
	IsSandboxPortal     bool    `json:"isSandboxPortal"`
	IsPayloadEncryption bool    `json:"isPayloadEncryptionEnabled"`
	EmployeeCount       string  `json:"employeeCount"`
	CurrencyLocale      string  `json:"currencyLocale"`
	CurrencyCode        string  `json:"currencyCode"`
	CurrencySymbol      string  `json:"currencySymbol"`
	TimeZone            string  `json:"timeZone"`
	Description         *string `json:"description"`
	Website             string  `json:"website"`
	PhoneNumber         string  `json:"phoneNumber"`
	Mobile              *string `json:"mobile"`
	Fax                 *string `json:"fax"`
	PrimaryContact      string  `json:"primaryContact"`
	Street              *string `json:"street"`
	City                string  `json:"city"`
	State               *string `json:"state"`
	Country             string  `json:"country"`
	Zip                 *string `json:"zip"`
	LogoURL             *string `json:"logoURL"`
	FaviconURL          *string `json:"faviconURL"`
}

type department struct {
	ID                        string   `json:"id"`
	Name                      string   `json:"name"`
	NameInCustomerPortal      string   `json:"nameInCustomerPortal"`
	SanitizedName             string   `json:"sanitizedName"`
	Description               *string  `json:"description"`
	IsEnabled                 bool     `json:"isEnabled"`
	IsDefault                 bool     `json:"isDefault"`
	IsVisibleInCustomerPortal bool     `json:"isVisibleInCustomerPortal"`
	IsAssignToTeamEnabled     bool     `json:"isAssignToTeamEnabled"`
	HasLogo                   bool     `json:"hasLogo"`
	ChatStatus                string   `json:"chatStatus"`
	CreatorID                 string   `json:"creatorId"`
	CreatedTime               deskTime `json:"createdTime"`
}

type agent struct {
	ID                      string   `json:"id"`
	ZUID                    string   `json:"zuid"`
	FirstName               string   `json:"firstName"`
	LastName                string   `json:"lastName"`
	Name                    string   `json:"name"`
	EmailID                 string   `json:"emailId"`
	Phone                   *string  `json:"phone"`
	Mobile                  *string  `json:"mobile"`
	Extn                    *string  `json:"extn"`
	Status                  string   `json:"status"`
	RoleID                  string   `json:"roleId"`
	ProfileID               string   `json:"profileId"`
	RolePermissionType      string   `json:"rolePermissionType"`
	IsConfirmed             bool     `json:"isConfirmed"`
	IsLightAgent            bool     `json:"isLightAgent"`
	LangCode                string   `json:"langCode"`
	TimeZone                string   `json:"timeZone"`
	PhotoURL                *string  `json:"photoURL"`
	AboutInfo               *string  `json:"aboutInfo"`
	ChannelExpert           []string `json:"channelExpert"`
	AssociatedDepartmentIDs []string `json:"associatedDepartmentIds"`
}

type account struct {
	ID            string         `json:"id"`
	AccountName   string         `json:"accountName"`
	Email         *string        `json:"email"`
	Website       *string        `json:"website"`
	Phone         *string        `json:"phone"`
	Fax           *string        `json:"fax"`
	Industry      *string        `json:"industry"`
	Description   *string        `json:"description"`
	Code          *string        `json:"code"`
	AnnualRevenue *string        `json:"annualrevenue"`
	Street        *string        `json:"street"`
	City          *string        `json:"city"`
	State         *string        `json:"state"`
	Country       *string        `json:"country"`
	OwnerID       *string        `json:"ownerId"`
	CreatedTime   deskTime       `json:"createdTime"`
	ModifiedTime  deskTime       `json:"modifiedTime"`
	WebURL        string         `json:"webUrl"`
	IsDeleted     bool           `json:"isDeleted"`
	IsTrashed     bool           `json:"isTrashed"`
	CF            map[string]any `json:"cf"`
}

// crmRef links a record to Zoho CRM (v1.0/Contact.json zohoCRMContact).
type crmRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type contact struct {
	ID             string         `json:"id"`
	FirstName      *string        `json:"firstName"`
	LastName       string         `json:"lastName"`
	Email          *string        `json:"email"`
	SecondaryEmail *string        `json:"secondaryEmail"`
	Phone          *string        `json:"phone"`
	Mobile         *string        `json:"mobile"`
	AccountID      *string        `json:"accountId"`
	OwnerID        *string        `json:"ownerId"`
	Type           *string        `json:"type"`
	Title          *string        `json:"title"`
	Description    *string        `json:"description"`
	Street         *string        `json:"street"`
	City           *string        `json:"city"`
	State          *string        `json:"state"`
	Country        *string        `json:"country"`
	Zip            *string        `json:"zip"`
	Facebook       *string        `json:"facebook"`
	Twitter        *string        `json:"twitter"`
	Language       *string        `json:"language"`
	LayoutID       *string        `json:"layoutId"`
	IsAnonymous    bool           `json:"isAnonymous"`
	IsSpam         bool           `json:"isSpam"`
	IsDeleted      bool           `json:"isDeleted"`
	IsTrashed      bool           `json:"isTrashed"`
	PhotoURL       *string        `json:"photoURL"`
	ZohoCRMContact *crmRef        `json:"zohoCRMContact"`
	CreatedTime    deskTime       `json:"createdTime"`
	ModifiedTime   deskTime       `json:"modifiedTime"`
	WebURL         string         `json:"webUrl"`
	CF             map[string]any `json:"cf"`
}

type ticket struct {
	ID                   string         `json:"id"`
	TicketNumber         string         `json:"ticketNumber"`
	Subject              string         `json:"subject"`
	Description          *string        `json:"description,omitempty"` // detail view only
	Status               string         `json:"status"`
	StatusType           string         `json:"statusType"`
	Priority             *string        `json:"priority"`
	Channel              string         `json:"channel"`
	Language             string         `json:"language"`
	Category             *string        `json:"category"`
	SubCategory          *string        `json:"subCategory"`
	Classification       *string        `json:"classification"`
	Sentiment            *string        `json:"sentiment"`
	DepartmentID         string         `json:"departmentId"`
	ContactID            string         `json:"contactId"`
	AccountID            *string        `json:"accountId"`
	AssigneeID           *string        `json:"assigneeId"`
	TeamID               *string        `json:"teamId"`
	ProductID            *string        `json:"productId"`
	Email                *string        `json:"email"`
	Phone                *string        `json:"phone"`
	CreatedTime          deskTime       `json:"createdTime"`
	ModifiedTime         deskTime       `json:"modifiedTime"`
	DueDate              deskTime       `json:"dueDate"`
	ResponseDueDate      deskTime       `json:"responseDueDate"`
	CustomerResponseTime deskTime       `json:"customerResponseTime"`
	ClosedTime           deskTime       `json:"closedTime"`
	OnholdTime           deskTime       `json:"onholdTime"`
	ThreadCount          numString      `json:"threadCount"`
	CommentCount         numString      `json:"commentCount"`
	IsSpam               bool           `json:"isSpam"`
	IsArchived           bool           `json:"isArchived"`
	IsOverDue            bool           `json:"isOverDue"`
	IsEscalated          bool           `json:"isEscalated"`
	WebURL               string         `json:"webUrl"`
	CF                   map[string]any `json:"cf"`

	// Related records, added on demand (include=...).
	Contact    *ticketContact    `json:"contact,omitempty"`
	Assignee   *ticketAssignee   `json:"assignee,omitempty"`
	Department *ticketDepartment `json:"department,omitempty"`
	IsRead     *bool             `json:"isRead,omitempty"`
	// ContractID is null or the contract's ID (include=contract);
	// SkillsInfo the skills (include=skills): schema
	// single_ticket_include_response of v1.0/Ticket.json.
	ContractID json.RawMessage `json:"contractId,omitempty"`
	SkillsInfo json.RawMessage `json:"skillsInfo,omitempty"`
	// SharedCount is sent by the detail view only, as a string like
	// the spec's example ("3").
	SharedCount *string `json:"sharedCount,omitempty"`

	threads  []*thread
	comments []*comment
	trashed  bool
}

type ticketContact struct {
	ID        string         `json:"id"`
	FirstName *string        `json:"firstName"`
	LastName  string         `json:"lastName"`
	Email     *string        `json:"email"`
	Phone     *string        `json:"phone"`
	Mobile    *string        `json:"mobile"`
	Type      *string        `json:"type"`
	Account   *ticketAccount `json:"account"`
}

type ticketAccount struct {
	ID          string  `json:"id"`
	AccountName string  `json:"accountName"`
	Website     *string `json:"website"`
}

type ticketAssignee struct {
	ID        string  `json:"id"`
	FirstName string  `json:"firstName"`
	LastName  string  `json:"lastName"`
	Email     string  `json:"email"`
	PhotoURL  *string `json:"photoURL"`
}

type ticketDepartment struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type threadAuthor struct {
	ID       *string `json:"id"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Type     string  `json:"type"` // "AGENT" or "END_USER"
	PhotoURL *string `json:"photoURL"`
}

type thread struct {
	ID                  string       `json:"id"`
	Channel             string       `json:"channel"`
	Status              string       `json:"status"`
	Direction           string       `json:"direction"`
	Visibility          string       `json:"visibility"`
	Summary             string       `json:"summary"`
	Content             *string      `json:"content,omitempty"` // detail view only
	ContentType         string       `json:"contentType"`
	FromEmailAddress    string       `json:"fromEmailAddress"`
	To                  *string      `json:"to"`
	Cc                  *string      `json:"cc"`
	Bcc                 *string      `json:"bcc"`
	Author              threadAuthor `json:"author"`
	CreatedTime         deskTime     `json:"createdTime"`
	RespondedIn         *string      `json:"respondedIn"`
	IsDescriptionThread bool         `json:"isDescriptionThread"`
	IsForward           bool         `json:"isForward"`
	CanReply            bool         `json:"canReply"`
	HasAttach           bool         `json:"hasAttach"`
	AttachmentCount     numString    `json:"attachmentCount"`
	Attachments         []any        `json:"attachments,omitempty"` // detail view only
}

type commenter struct {
	ID        string  `json:"id"`
	FirstName string  `json:"firstName"`
	LastName  string  `json:"lastName"`
	Name      string  `json:"name"`
	Email     string  `json:"email"`
	RoleName  string  `json:"roleName"`
	Type      string  `json:"type"`
	PhotoURL  *string `json:"photoURL"`
}

type comment struct {
	ID            string    `json:"id"`
	Content       string    `json:"content"`
	ContentType   string    `json:"contentType"`
	IsPublic      bool      `json:"isPublic"`
	CommenterID   string    `json:"commenterId"`
	Commenter     commenter `json:"commenter"`
	CommentedTime deskTime  `json:"commentedTime"`
	ModifiedTime  deskTime  `json:"modifiedTime"`
	Attachments   []any     `json:"attachments"`
	Mention       []any     `json:"mention"`
}

func strp(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
