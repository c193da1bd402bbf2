package desk

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/jarcoal/httpmock"
)

// mockBase mounts the API below a non-empty path: a request built from an
// absolute path misses every responder and fails.
const mockBase = "https://desk.test/prefix/api/v1"

// newMockClient returns a client whose own *http.Client goes through mt
// (never http.DefaultClient).
func newMockClient(t *testing.T) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := NewClient(Config{
		BaseURL: mockBase, OrgID: "60001234567", TokenSource: StaticToken("test-access-token"),
		Plan: testPlan(), MaxRetries: -1, HTTPClient: &http.Client{Transport: mt},
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mt
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seen is what a responder saw of the request.
type seen struct {
	method, path string
	query        url.Values
	header       http.Header
	body         map[string]any
}

// respond answers with status, the fixture (if any) and credit headers
// (weight 7, remaining 9000), recording the request.
func respond(t *testing.T, got *seen, status int, fixtureName string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		got.method, got.path, got.query, got.header = r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone()
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			if len(b) > 0 {
				if err := json.Unmarshal(b, &got.body); err != nil {
					t.Errorf("request body is not JSON: %v", err)
				}
			}
		}
		var resp *http.Response
		if fixtureName == "" {
			resp = httpmock.NewBytesResponse(status, nil)
		} else {
			resp = httpmock.NewBytesResponse(status, fixture(t, fixtureName))
			resp.Header.Set("Content-Type", "application/json")
		}
		resp.Header.Set(credits.HeaderWeight, "7")
		resp.Header.Set(credits.HeaderRemaining, "9000")
		return resp, nil
	}
}

func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2016, 6, 21, 16, 16, 16, 0, time.UTC)
	tests := []struct {
		name    string
		method  string
		path    string // below the API root
		status  int
		fixture string
		noOrg   bool
		query   url.Values // expected query (nil: none)
		body    map[string]any
		call    func(c *Client) (*Response, error)
		check   func(t *testing.T, v any)
		result  any
	}{
		{name: "Tickets.List", method: "GET", path: "/tickets", status: 200, fixture: "tickets.json",
			query: url.Values{"from": {"10"}, "limit": {"50"}, "status": {"Open,On Hold"}, "assignee": {"Unassigned"},
				"departmentIds": {"1,2"}, "include": {"contacts,assignee"}, "sortBy": {"-createdTime"}, "receivedInDays": {"30"},
				"viewId": {"77"}, "channel": {"Email"}, "priority": {"High"}, "fields": {"subject,status"}},
			call: func(c *Client) (*Response, error) {
				ts, resp, err := c.Tickets.List(ctx, &TicketListOptions{ListOptions: ListOptions{From: 10, Limit: 50},
					Status: []string{"Open", "On Hold"}, Assignee: []string{"Unassigned"}, DepartmentIDs: []string{"1", "2"},
					Include: []string{"contacts", "assignee"}, SortBy: "-createdTime", ReceivedInDays: 30, ViewID: "77",
					Channel: []string{"Email"}, Priority: []string{"High"}, Fields: []string{"subject", "status"}})
				if err == nil && (len(ts) != 2 || ts[0].ID != "18944000000336005" || ts[0].ThreadCount != 7 || ts[1].Source.Type != "SYSTEM" || !ts[1].IsArchived) {
					t.Errorf("tickets decoded wrong: %+v", ts)
				}
				return resp, err
			}},
		{name: "Tickets.Get", method: "GET", path: "/tickets/1892000000042034", status: 200, fixture: "ticket.json",
			query: url.Values{"include": {"contacts,assignee"}},
			call: func(c *Client) (*Response, error) {
				tk, resp, err := c.Tickets.Get(ctx, "1892000000042034", "contacts", "assignee")
				if err == nil && (tk.Contact == nil || tk.Contact.Account.ID != "1892000000975382" || tk.Assignee.ID != "1892000000056007" || tk.ThreadCount != 121 || !tk.IsFollowing) {
					t.Errorf("ticket decoded wrong: %+v", tk)
				}
				return resp, err
			}},
		{name: "Tickets.Create", method: "POST", path: "/tickets", status: 200, fixture: "ticket.json",
			body: map[string]any{"subject": "Help", "departmentId": "1892000000006907", "contactId": "1892000000042032", "cf": map[string]any{"cf_modelname": "F3 2017"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Tickets.Create(ctx, &TicketInput{Subject: "Help", DepartmentID: "1892000000006907", ContactID: "1892000000042032",
					CustomFields: map[string]any{"cf_modelname": "F3 2017"}})
				return resp, err
			}},
		{name: "Tickets.Update", method: "PATCH", path: "/tickets/1892000000042034", status: 200, fixture: "ticket.json",
			body: map[string]any{"priority": "High"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Tickets.Update(ctx, "1892000000042034", &TicketInput{Priority: "High"})
				return resp, err
			}},
		{name: "Tickets.Update without closure notification", method: "PATCH", path: "/tickets/1892000000042034", status: 200, fixture: "ticket.json",
			query: url.Values{"disableClosureNotification": {"true"}},
			body:  map[string]any{"status": "Closed"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Tickets.Update(ctx, "1892000000042034", &TicketInput{Status: "Closed", DisableClosureNotification: true})
				return resp, err
			}},
		{name: "Tickets.MoveToTrash", method: "POST", path: "/tickets/moveToTrash", status: 204,
			body: map[string]any{"ticketIds": []any{"1", "2", "3"}},
			call: func(c *Client) (*Response, error) { return c.Tickets.MoveToTrash(ctx, []string{"1", "2", "3"}) }},
		{name: "Tickets.UpdateMany", method: "POST", path: "/tickets/updateMany", status: 204,
			body: map[string]any{"ids": []any{"1", "2"}, "fieldName": "subject", "fieldValue": "x", "isCustomField": false},
			call: func(c *Client) (*Response, error) {
				return c.Tickets.UpdateMany(ctx, &BulkUpdate{IDs: []string{"1", "2"}, FieldName: "subject", FieldValue: "x"})
			}},
		{name: "Tickets.CloseMany", method: "POST", path: "/closeTickets", status: 200,
			body: map[string]any{"ids": []any{"1", "2"}},
			call: func(c *Client) (*Response, error) { return c.Tickets.CloseMany(ctx, []string{"1", "2"}) }},
		{name: "Tickets.Count", method: "GET", path: "/ticketsCount", status: 200, fixture: "count.json",
			query: url.Values{"departmentId": {"5"}, "contactId": {"7"}, "category": {"general"}, "createdTimeRange": {"2016-06-21T16:16:16.000Z,2016-06-22T16:16:16.000Z"}},
			call: func(c *Client) (*Response, error) {
				n, resp, err := c.Tickets.Count(ctx, &TicketCountOptions{DepartmentID: "5", ContactID: "7", Category: "general",
					CreatedTimeRange: &TimeRange{created, created.Add(24 * time.Hour)}})
				if err == nil && n != 200 {
					t.Errorf("count = %d, want 200", n)
				}
				return resp, err
			}},
		{name: "Tickets.Search", method: "GET", path: "/tickets/search", status: 200, fixture: "search_tickets.json",
			query: url.Values{"subject": {"delay*"}, "limit": {"20"}, "createdTimeRange": {"2016-06-21T16:16:16.000Z,2016-06-22T16:16:16.000Z"}, "sortBy": {"-modifiedTime"}},
			call: func(c *Client) (*Response, error) {
				ts, n, resp, err := c.Tickets.Search(ctx, &TicketSearchOptions{ListOptions: ListOptions{Limit: 20}, Subject: "delay*",
					CreatedTimeRange: &TimeRange{created, created.Add(24 * time.Hour)}, SortBy: "-modifiedTime"})
				if err == nil && (n != 1 || len(ts) != 1 || ts[0].CustomFields["cf_modelname"] != "F3 2017" || ts[0].ThreadCount != 121) {
					t.Errorf("search: %d of %d: %+v", len(ts), n, ts)
				}
				return resp, err
			}},
		{name: "Tickets.Search custom fields", method: "GET", path: "/tickets/search", status: 200, fixture: "search_tickets.json",
			query: url.Values{"customField1": {"cf_modelname:F3*"}, "customField2": {"cf_phone:${notempty}"}, "status": {"Open"}},
			call: func(c *Client) (*Response, error) {
				_, _, resp, err := c.Tickets.Search(ctx, &TicketSearchOptions{Status: []string{"Open"}, CustomFields: CustomFieldFilters{
					{Field: "cf_modelname", Value: "F3*"}, {Field: "cf_phone", Value: "${notempty}"}}})
				return resp, err
			}},
		{name: "Threads.List", method: "GET", path: "/tickets/1892000000042034/threads", status: 200, fixture: "threads.json",
			query: url.Values{"limit": {"10"}},
			call: func(c *Client) (*Response, error) {
				th, resp, err := c.Threads.List(ctx, "1892000000042034", &ThreadListOptions{ListOptions: ListOptions{Limit: 10}})
				if err == nil && (len(th) != 2 || th[0].Author.Type != "AGENT" || th[0].AttachmentCount != 4 || th[0].CreatedTime.IsZero()) {
					t.Errorf("threads decoded wrong: %+v", th)
				}
				return resp, err
			}},
		{name: "Threads.Get", method: "GET", path: "/tickets/1/threads/105000003296875", status: 200, fixture: "thread.json",
			call: func(c *Client) (*Response, error) {
				th, resp, err := c.Threads.Get(ctx, "1", "105000003296875")
				if err == nil && (th.AttachmentCount != -1 || th.Attachments != nil || th.Extra["attachments"] == nil || th.Extra["actions"] == nil) {
					t.Errorf("thread decoded wrong: %+v", th)
				}
				return resp, err
			}},
		{name: "Threads.SendReply", method: "POST", path: "/tickets/1/sendReply", status: 200, fixture: "thread.json",
			body: map[string]any{"channel": "EMAIL", "content": "hi", "to": "a@b.c", "fromEmailAddress": "s@b.c"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Threads.SendReply(ctx, "1", &Reply{Channel: "EMAIL", Content: "hi", To: "a@b.c", FromEmailAddress: "s@b.c"})
				return resp, err
			}},
		{name: "Threads.SendReply private and immediate", method: "POST", path: "/tickets/1/sendReply", status: 200, fixture: "thread.json",
			query: url.Values{"isPrivate": {"true"}, "sendImmediately": {"true"}},
			body:  map[string]any{"channel": "FORUMS", "content": "hi"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Threads.SendReply(ctx, "1", &Reply{Channel: "FORUMS", Content: "hi", IsPrivate: true, SendImmediately: true})
				return resp, err
			}},
		{name: "Comments.List", method: "GET", path: "/tickets/1/comments", status: 200, fixture: "comments.json",
			query: url.Values{"sortBy": {"-commentedTime"}, "include": {"mentions"}},
			call: func(c *Client) (*Response, error) {
				cs, resp, err := c.Comments.List(ctx, "1", &CommentListOptions{SortBy: "-commentedTime", Include: []string{"mentions"}})
				if err == nil && (len(cs) != 2 || cs[0].Attachments[0].Size != 12734 || cs[0].Commenter.Type != "AGENT" || len(cs[0].Mentions) != 2 || cs[0].Mentions[1].Type != "TEAM" || cs[0].Mentions[0].ID != "31138000000573164" || cs[0].Mentions[0].ZUID != "55616589" || cs[1].Commenter.Type != "END_USER" || len(cs[0].Mentions[0].Extra) != 0) {
					t.Errorf("comments decoded wrong: %+v", cs)
				}
				return resp, err
			}},
		{name: "Comments.Create", method: "POST", path: "/tickets/1/comments", status: 200, fixture: "comment.json",
			body: map[string]any{"content": "note", "isPublic": false, "contentType": "plainText"},
			call: func(c *Client) (*Response, error) {
				cm, resp, err := c.Comments.Create(ctx, "1", &CommentInput{Content: "note", ContentType: "plainText"})
				if err == nil && (cm.CommenterID != "4000000008692" || cm.Attachments[0].Size != 12734 || cm.Commenter.RoleName != "LightAgent") {
					t.Errorf("commenterId = %q", cm.CommenterID)
				}
				return resp, err
			}},
		{name: "Comments.Update", method: "PATCH", path: "/tickets/1/comments/4000000529007", status: 200, fixture: "comment.json",
			body: map[string]any{"content": "edited", "isPublic": true},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Comments.Update(ctx, "1", "4000000529007", &CommentInput{Content: "edited", IsPublic: true})
				return resp, err
			}},
		{name: "Comments.Delete", method: "DELETE", path: "/tickets/1/comments/4000000529007", status: 204,
			call: func(c *Client) (*Response, error) { return c.Comments.Delete(ctx, "1", "4000000529007") }},
		{name: "Contacts.List", method: "GET", path: "/contacts", status: 200, fixture: "contacts.json",
			query: url.Values{"sortBy": {"-createdTime"}, "limit": {"5"}},
			call: func(c *Client) (*Response, error) {
				cs, resp, err := c.Contacts.List(ctx, &ContactListOptions{ListOptions: ListOptions{Limit: 5}, SortBy: "-createdTime"})
				if err == nil && (len(cs) != 2 || cs[0].LastName != "Case" || cs[0].CustomerHappiness == nil || cs[0].ZohoCRMContact != nil ||
					cs[1].CustomerHappiness.GoodPercentage != 47 || cs[1].ZohoCRMContact.Type != "contacts_leads" ||
					cs[0].CreatedTime.UnixMilli() != 1507813910000 || len(cs[0].Extra)+len(cs[1].Extra) != 0) {
					t.Errorf("contacts decoded wrong: %+v", cs)
				}
				return resp, err
			}},
		{name: "Contacts.Get", method: "GET", path: "/contacts/1892000000042032", status: 200, fixture: "contact.json",
			call: func(c *Client) (*Response, error) {
				ct, resp, err := c.Contacts.Get(ctx, "1892000000042032")
				if err == nil && (ct.LastName != "Lawrence" || ct.Zip != "" || !ct.IsFollowing || ct.Owner == nil || ct.Owner.FirstName != "Twin" ||
					ct.ZohoCRMContact.ID != "5000000014010" || ct.CustomerHappiness.BadPercentage != 22 ||
					ct.ModifiedTime.UnixMilli() != 1462355837000 || len(ct.Extra) != 0) {
					t.Errorf("contact decoded wrong: %+v", ct)
				}
				return resp, err
			}},
		{name: "Contacts.Create", method: "POST", path: "/contacts", status: 200, fixture: "contact.json",
			body: map[string]any{"lastName": "Jack", "email": "jack@zylker.com"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Contacts.Create(ctx, &ContactInput{LastName: "Jack", Email: "jack@zylker.com"})
				return resp, err
			}},
		{name: "Contacts.Update", method: "PATCH", path: "/contacts/1892000000048034", status: 200, fixture: "contact.json",
			body: map[string]any{"phone": "555"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Contacts.Update(ctx, "1892000000048034", &ContactInput{Phone: "555"})
				return resp, err
			}},
		{name: "Contacts.Tickets", method: "GET", path: "/contacts/1892000000048034/tickets", status: 200, fixture: "tickets.json",
			query: url.Values{"include": {"assignee"}, "sortBy": {"modifiedTime"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Contacts.Tickets(ctx, "1892000000048034", &ContactTicketsOptions{Include: []string{"assignee"}, SortBy: "modifiedTime"})
				return resp, err
			}},
		{name: "Accounts.List", method: "GET", path: "/accounts", status: 200, fixture: "accounts.json",
			call: func(c *Client) (*Response, error) {
				as, resp, err := c.Accounts.List(ctx, nil)
				if err == nil && (len(as) != 2 || as[1].AccountName != "Agent Account" || as[0].ZohoCRMAccount.ID != "32754000000537001" ||
					as[1].CustomerHappiness.OkPercentage != 40 || len(as[0].Extra)+len(as[1].Extra) != 0) {
					t.Errorf("accounts decoded wrong: %+v", as)
				}
				return resp, err
			}},
		{name: "Accounts.Get", method: "GET", path: "/accounts/1892000000052077", status: 200, fixture: "account.json",
			call: func(c *Client) (*Response, error) {
				a, resp, err := c.Accounts.Get(ctx, "1892000000052077")
				if err == nil && (a.ModifiedTime.UnixMilli() != 1425307758000 || a.CreatedTime.UnixMilli() != 1424105864000 ||
					a.CustomFields["cf_contactcount"] != "1" || len(a.AssociatedSLAIDs) != 2 || a.AssociatedSLAIDs[0] != "3263000000057" ||
					!a.IsFollowing || a.Owner.ID != "3263000000057001" || len(a.Extra) != 0) {
					t.Errorf("account times not decoded: %+v", a)
				}
				return resp, err
			}},
		{name: "Accounts.Get with owner", method: "GET", path: "/accounts/1892000000052077", status: 200, fixture: "account.json",
			query: url.Values{"include": {"owner"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Accounts.Get(ctx, "1892000000052077", "owner")
				return resp, err
			}},
		{name: "Accounts.List sorted by website", method: "GET", path: "/accounts", status: 200, fixture: "accounts.json",
			query: url.Values{"sortBy": {"-website"}, "filterId": {"55"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Accounts.List(ctx, &AccountListOptions{SortBy: "-website", FilterID: "55"})
				return resp, err
			}},
		{name: "Accounts.Create", method: "POST", path: "/accounts", status: 200, fixture: "account.json",
			body: map[string]any{"accountName": "Zylker", "phone": "5550100012"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Accounts.Create(ctx, &AccountInput{AccountName: "Zylker", Phone: "5550100012"})
				return resp, err
			}},
		{name: "Accounts.Update", method: "PATCH", path: "/accounts/1892000000052077", status: 200, fixture: "account.json",
			body: map[string]any{"website": "zylker.com"},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Accounts.Update(ctx, "1892000000052077", &AccountInput{Website: "zylker.com"})
				return resp, err
			}},
		{name: "Agents.List", method: "GET", path: "/agents", status: 200, fixture: "agents.json",
			query: url.Values{"status": {"ACTIVE"}, "limit": {"200"}},
			call: func(c *Client) (*Response, error) {
				as, resp, err := c.Agents.List(ctx, &AgentListOptions{ListOptions: ListOptions{Limit: 200}, Status: "ACTIVE"})
				if err == nil && (len(as) != 1 || as[0].AssociatedDepartmentIDs[1] != "1892000000082085") {
					t.Errorf("agents decoded wrong: %+v", as)
				}
				return resp, err
			}},
		{name: "Agents.List filters", method: "GET", path: "/agents", status: 200, fixture: "agents.json",
			query: url.Values{"roleIds": {"11,12"}, "profileIds": {"21"}, "rolePermissionType": {"${NON_LIGHT}"}, "isLightAgent": {"false"},
				"searchStr": {"jo*"}, "fieldName": {"firstName"}, "cfFieldName": {"cf_badge"}, "cfSearchStr": {"B-7*"}, "sortOrder": {"desc"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Agents.List(ctx, &AgentListOptions{RoleIDs: []string{"11", "12"}, ProfileIDs: []string{"21"},
					RolePermissionType: "${NON_LIGHT}", IsLightAgent: new(false), SearchStr: "jo*", FieldName: "firstName",
					CFFieldName: "cf_badge", CFSearchStr: "B-7*", SortOrder: "desc"})
				return resp, err
			}},
		{name: "Agents.Get", method: "GET", path: "/agents/1892000000056007", status: 200, fixture: "agent.json",
			query: url.Values{"include": {"role,profile,associatedDepartments,associatedChatDepartments"}},
			call: func(c *Client) (*Response, error) {
				ag, resp, err := c.Agents.Get(ctx, "1892000000056007", "role", "profile", "associatedDepartments", "associatedChatDepartments")
				if err == nil && (ag.Role.Name != "CEO" || ag.Profile.ID != "1892000000056091" || len(ag.AssociatedDepartments) != 2 ||
					ag.AssociatedDepartments[1].SanitizedName != "r-d" || ag.AssociatedChatDepartments[0].Name != "Developement" ||
					ag.Name != "Torrey Emard" || len(ag.Extra) != 0) {
					t.Errorf("agent decoded wrong: %+v", ag)
				}
				return resp, err
			}},
		{name: "Departments.List", method: "GET", path: "/departments", status: 200, fixture: "departments.json",
			query: url.Values{"isEnabled": {"true"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Departments.List(ctx, &DepartmentListOptions{IsEnabled: new(true)})
				return resp, err
			}},
		{name: "Departments.List disabled, no chat", method: "GET", path: "/departments", status: 200, fixture: "departments.json",
			query: url.Values{"isEnabled": {"false"}, "chatStatus": {"${UNAVAILABLE}"}},
			call: func(c *Client) (*Response, error) {
				_, resp, err := c.Departments.List(ctx, &DepartmentListOptions{IsEnabled: new(false), ChatStatus: "${UNAVAILABLE}"})
				return resp, err
			}},
		{name: "Departments.Get", method: "GET", path: "/departments/1892000000082085", status: 200, fixture: "department.json",
			call: func(c *Client) (*Response, error) {
				d, resp, err := c.Departments.Get(ctx, "1892000000082085")
				if err == nil && (d.CreatedTime.UnixMilli() != 1564146662000 || d.ChatStatus != "NOT_CREATED" ||
					len(d.AssociatedAgentIDs) != 2 || d.AssociatedAgentIDs[1] != "1892000000056007" || len(d.Extra) != 0) {
					t.Errorf("department decoded wrong: %+v", d)
				}
				return resp, err
			}},
		{name: "Organizations.List", method: "GET", path: "/organizations", status: 200, fixture: "organizations.json", noOrg: true,
			call: func(c *Client) (*Response, error) {
				os, resp, err := c.Organizations.List(ctx)
				if err == nil && (len(os) != 1 || os[0].ID != "3981311" || os[0].EmployeeCount != 10 || !os[0].IsAdminInOrg ||
					os[0].IsDefault || os[0].Designation != "Software Engineer" || len(os[0].PreferredCommunicationChannels) != 2 || len(os[0].Extra) != 0) {
					t.Errorf("organizations decoded wrong: %+v", os)
				}
				return resp, err
			}},
		{name: "Organizations.Get", method: "GET", path: "/organizations/3981311", status: 200, fixture: "organization.json",
			query: url.Values{"includeCustomDomain": {"true"}},
			call: func(c *Client) (*Response, error) {
				o, resp, err := c.Organizations.Get(ctx, "3981311", &OrganizationGetOptions{IncludeCustomDomain: true})
				if err == nil && (o.CustomDomain != "support.zylker.com" || o.PreferredSolution[1] != "Customer Support" || o.MigrationFrom == "" || len(o.Extra) != 0) {
					t.Errorf("organization decoded wrong: %+v", o)
				}
				return resp, err
			}},
		{name: "Search.Search", method: "GET", path: "/search", status: 200, fixture: "search.json",
			query: url.Values{"searchStr": {"zylker"}, "sortBy": {"-modifiedTime"}},
			call: func(c *Client) (*Response, error) {
				rs, n, resp, err := c.Search.Search(ctx, &SearchOptions{SearchStr: "zylker", SortBy: "-modifiedTime"})
				if err != nil {
					return resp, err
				}
				if n.Total != 4 || n.ByModule["tasks"] != 1 || n.ByModule["tickets"] != 1 || len(rs) != 4 ||
					rs[0].ID != "4000000016009" || rs[1].Module != "tasks" || rs[3].Module != "contacts" {
					t.Errorf("search decoded wrong: %+v %+v", n, rs)
				}
				if tk, err := rs[0].Ticket(); err != nil || tk.ContactID != "4000000013012" || tk.Team == nil || tk.Team.Name != "TestingTeam" {
					t.Errorf("Ticket() = %+v, %v", tk, err)
				}
				if a, err := rs[2].Account(); err != nil || a.AccountName != "Zylker India" {
					t.Errorf("Account() = %+v, %v", a, err)
				}
				if ct, err := rs[3].Contact(); err != nil || ct.LastName != "Stephen" || ct.AccountID != "4000000008850" {
					t.Errorf("Contact() = %+v, %v", ct, err)
				}
				if _, err := rs[3].Account(); err == nil {
					t.Error("Account() of a contact result did not fail")
				}
				return resp, err
			}},
		{name: "Search.Search one module", method: "GET", path: "/search", status: 200, fixture: "search_tickets.json",
			query: url.Values{"searchStr": {"delay*"}, "module": {"tickets"}, "limit": {"10"}},
			call: func(c *Client) (*Response, error) {
				rs, n, resp, err := c.Search.Search(ctx, &SearchOptions{SearchStr: "delay*", Module: "tickets", ListOptions: ListOptions{Limit: 10}})
				if err != nil {
					return resp, err
				}
				if n.Total != 1 || n.ByModule != nil || len(rs) != 1 || rs[0].Module != "tickets" || rs[0].ID != "1892000000042034" {
					t.Errorf("search decoded wrong: %+v %+v", n, rs)
				}
				if tk, err := rs[0].Ticket(); err != nil || tk.TicketNumber != "101" {
					t.Errorf("Ticket() = %+v, %v", tk, err)
				}
				return resp, err
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var got seen
			mt.RegisterResponder(tc.method, mockBase+tc.path, respond(t, &got, tc.status, tc.fixture))
			resp, err := tc.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got.method != tc.method || got.path != "/prefix/api/v1"+tc.path {
				t.Errorf("sent %s %s, want %s /prefix/api/v1%s", got.method, got.path, tc.method, tc.path)
			}
			if auth := got.header.Get("Authorization"); auth != "Zoho-oauthtoken test-access-token" {
				t.Errorf("Authorization = %q", auth)
			}
			if org, ok := got.header["Orgid"]; tc.noOrg == ok || (!tc.noOrg && org[0] != "60001234567") {
				t.Errorf("orgId header = %q (present %v), want present %v", org, ok, !tc.noOrg)
			}
			want := tc.query
			if want == nil {
				want = url.Values{}
			}
			if got.query.Encode() != want.Encode() {
				t.Errorf("query = %s, want %s", got.query.Encode(), want.Encode())
			}
			if tc.body != nil {
				gb, _ := json.Marshal(got.body)
				wb, _ := json.Marshal(tc.body)
				if string(gb) != string(wb) {
					t.Errorf("body = %s, want %s", gb, wb)
				}
			}
			if !resp.Credits.HasWeight || resp.Credits.Weight != 7 || !resp.Credits.HasRemaining || resp.Credits.Remaining != 9000 || resp.Credits.Charged != 7 {
				t.Errorf("credits = %+v, want weight 7, remaining 9000, charged 7", resp.Credits)
			}
		})
	}
}

// TestBulkRecords checks that bulk calls tell the credit engine how many
// records they act on.
func TestBulkRecords(t *testing.T) {
	tests := []struct {
		name string
		path string
		call func(c *Client) error
		want int
	}{
		{"MoveToTrash", "/tickets/moveToTrash", func(c *Client) error {
			_, err := c.Tickets.MoveToTrash(context.Background(), []string{"1", "2", "3"})
			return err
		}, 3},
		{"UpdateMany", "/tickets/updateMany", func(c *Client) error {
			_, err := c.Tickets.UpdateMany(context.Background(), &BulkUpdate{IDs: []string{"1", "2"}, FieldName: "status", FieldValue: "Closed"})
			return err
		}, 2},
		{"CloseMany", "/closeTickets", func(c *Client) error {
			_, err := c.Tickets.CloseMany(context.Background(), []string{"1", "2", "3", "4"})
			return err
		}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			var records int
			mt.RegisterResponder("POST", mockBase+tc.path, func(r *http.Request) (*http.Response, error) {
				if st, ok := r.Context().Value(callStateKey{}).(*callState); ok {
					records = st.call.Records
				}
				return httpmock.NewBytesResponse(204, nil), nil
			})
			if err := tc.call(c); err != nil {
				t.Fatal(err)
			}
			if records != tc.want {
				t.Errorf("credits.Call.Records = %d, want %d", records, tc.want)
			}
		})
	}
}

func TestValidationSendsNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *Client) error
		want string
	}{
		{"tickets limit 101", func(c *Client) error {
			_, _, err := c.Tickets.List(ctx, &TicketListOptions{ListOptions: ListOptions{Limit: 101}})
			return err
		}, "between 1 and 100"},
		{"negative from", func(c *Client) error {
			_, _, err := c.Contacts.List(ctx, &ContactListOptions{ListOptions: ListOptions{From: -1}})
			return err
		}, "0 or more"},
		{"unknown sortBy", func(c *Client) error {
			_, _, err := c.Tickets.List(ctx, &TicketListOptions{SortBy: "-subject"})
			return err
		}, "descending"},
		{"unknown include", func(c *Client) error {
			_, _, err := c.Tickets.Get(ctx, "1", "everything")
			return err
		}, "not one of"},
		{"receivedInDays", func(c *Client) error {
			_, _, err := c.Tickets.List(ctx, &TicketListOptions{ReceivedInDays: 7})
			return err
		}, "15, 30, 90"},
		{"ticket search from 1000", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{ListOptions: ListOptions{From: 1000}})
			return err
		}, "at most from 999"},
		{"search from 5000", func(c *Client) error {
			_, _, _, err := c.Search.Search(ctx, &SearchOptions{SearchStr: "printer", ListOptions: ListOptions{From: 5000}})
			return err
		}, "at most from 4999"},
		{"short search tag", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{Tag: "ab"})
			return err
		}, "at least 3"},
		{"thread sortBy", func(c *Client) error {
			_, _, err := c.Threads.List(ctx, "1", &ThreadListOptions{SortBy: "createdTime"})
			return err
		}, "sendDateTime"},
		{"thread include", func(c *Client) error {
			_, _, err := c.Threads.Get(ctx, "1", "2", "source")
			return err
		}, "not one of"},
		{"agent list include", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{Include: []string{"associatedDepartments"}})
			return err
		}, "not one of"},
		{"agent get include", func(c *Client) error {
			_, _, err := c.Agents.Get(ctx, "1", "everything")
			return err
		}, "not one of"},
		{"inverted time range", func(c *Client) error {
			now := time.Now()
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{ModifiedTimeRange: &TimeRange{now, now.Add(-time.Hour)}})
			return err
		}, "is after To"},
		{"half time range", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{DueDateRange: &TimeRange{From: time.Now()}})
			return err
		}, "both From and To"},
		{"path injection", func(c *Client) error {
			_, _, err := c.Contacts.Get(ctx, "1/../../x")
			return err
		}, "not numeric"},
		{"create without subject", func(c *Client) error {
			_, _, err := c.Tickets.Create(ctx, &TicketInput{DepartmentID: "1", ContactID: "2"})
			return err
		}, "Subject is required"},
		{"empty trash", func(c *Client) error {
			_, err := c.Tickets.MoveToTrash(ctx, nil)
			return err
		}, "no ticket IDs"},
		{"search text too long", func(c *Client) error {
			_, _, _, err := c.Search.Search(ctx, &SearchOptions{SearchStr: strings.Repeat("a", 101)})
			return err
		}, "at most 100"},
		{"search sorted by createdTime", func(c *Client) error {
			_, _, _, err := c.Search.Search(ctx, &SearchOptions{SearchStr: "a", SortBy: "-createdTime"})
			return err
		}, "SearchOptions.SortBy"},
		{"search in products", func(c *Client) error {
			_, _, _, err := c.Search.Search(ctx, &SearchOptions{SearchStr: "a", Module: "products"})
			return err
		}, "SearchOptions.Module"},
		{"count by a bad contact", func(c *Client) error {
			_, _, err := c.Tickets.Count(ctx, &TicketCountOptions{ContactID: "x1"})
			return err
		}, "contact ID"},
		{"count with a reversed range", func(c *Client) error {
			_, _, err := c.Tickets.Count(ctx, &TicketCountOptions{ModifiedTimeRange: &TimeRange{time.Unix(2, 0), time.Unix(1, 0)}})
			return err
		}, "ModifiedTimeRange"},
		{"eleven custom field filters", func(c *Client) error {
			fs := make(CustomFieldFilters, 11)
			for i := range fs {
				fs[i] = CustomFieldFilter{Field: "cf_f" + string(rune('a'+i)), Value: "x"}
			}
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{CustomFields: fs})
			return err
		}, "at most 10"},
		{"custom field name with colon", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{CustomFields: CustomFieldFilters{{Field: "cf_a:b", Value: "x"}}})
			return err
		}, "API name"},
		{"custom field without value", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{CustomFields: CustomFieldFilters{{Field: "cf_a"}}})
			return err
		}, "${empty}"},
		{"custom field twice", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{CustomFields: CustomFieldFilters{{Field: "cf_a", Value: "x"}, {Field: "cf_a", Value: "y"}}})
			return err
		}, "twice"},
		{"custom field too long", func(c *Client) error {
			_, _, _, err := c.Tickets.Search(ctx, &TicketSearchOptions{CustomFields: CustomFieldFilters{{Field: "cf_a", Value: strings.Repeat("x", 1000)}}})
			return err
		}, "longer than 1000"},
		{"agent sortOrder", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{SortOrder: "down"})
			return err
		}, "not one of"},
		{"agent fieldName", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{FieldName: "phone"})
			return err
		}, "not one of"},
		{"agent rolePermissionType", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{RolePermissionType: "Owner"})
			return err
		}, "not one of"},
		{"agent roleIds", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{RoleIDs: []string{"role-1"}})
			return err
		}, "not numeric"},
		{"agent 51 profileIds", func(c *Client) error {
			ids := make([]string, 51)
			for i := range ids {
				ids[i] = "1"
			}
			_, _, err := c.Agents.List(ctx, &AgentListOptions{ProfileIDs: ids})
			return err
		}, "at most 50"},
		{"agent cf search without field", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{CFSearchStr: "x"})
			return err
		}, "together"},
		{"agent cf field name", func(c *Client) error {
			_, _, err := c.Agents.List(ctx, &AgentListOptions{CFFieldName: "badge", CFSearchStr: "x"})
			return err
		}, "cf_"},
		{"account sortBy", func(c *Client) error {
			_, _, err := c.Accounts.List(ctx, &AccountListOptions{SortBy: "industry"})
			return err
		}, "descending"},
		{"account get include", func(c *Client) error {
			_, _, err := c.Accounts.Get(ctx, "1", "contacts")
			return err
		}, "not one of"},
		{"department chatStatus", func(c *Client) error {
			_, _, err := c.Departments.List(ctx, &DepartmentListOptions{ChatStatus: "UNAVAILABLE"})
			return err
		}, "not one of"},
		{"email reply without addresses", func(c *Client) error {
			_, _, err := c.Threads.SendReply(ctx, "1", &Reply{Channel: "EMAIL", Content: "x"})
			return err
		}, "needs To"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			err := tc.call(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if !errorsIs(err, ErrInvalidOptions) {
				t.Errorf("errors.Is(err, ErrInvalidOptions) is false: %v", err)
			}
			if n := mt.GetTotalCallCount(); n != 0 {
				t.Errorf("%d requests sent for invalid options", n)
			}
		})
	}
}

// TestTicketSpecFields decodes the ticket fields of v1.0/Ticket.json that
// the spec's examples leave out (skillsInfo and contractId from
// single_ticket_include_response, customFields and sourceTicket from
// commonJson and ticketResponse), in the loose shapes the spec allows, and
// checks that none of them lands in Extra.
func TestTicketSpecFields(t *testing.T) {
	const body = `{"id":"1892000000042034","sharedCount":"3","isRead":"true","contractId":18920000000421011,
		"customFields":{"Model Name":"F3 2017","Items":4,"Purchase Date":null},
		"sourceTicket":{"id":"1892000000042001","subject":"Printer jams"},
		"skillsInfo":[{"skillId":"18921000000379001","skillName":"Printers","skillTypeId":18921000000364001,
			"skillTypeName":"Product","mappingType":"SYSTEM","weightage":"7"},
			{"skillId":"18921000000379055","skillName":"German","skillTypeId":"18921000000364003",
			"skillTypeName":"Language","mappingType":"USER","weightage":null}]}`
	var tk Ticket
	if err := json.Unmarshal([]byte(body), &tk); err != nil {
		t.Fatal(err)
	}
	if len(tk.Extra) != 0 {
		t.Errorf("Extra = %v, want empty", tk.Extra)
	}
	if tk.SharedCount != 3 || !tk.IsRead || tk.ContractID != "18920000000421011" {
		t.Errorf("sharedCount %d, isRead %v, contractId %q", tk.SharedCount, tk.IsRead, tk.ContractID)
	}
	if tk.CustomFieldsByLabel["Model Name"] != "F3 2017" || tk.CustomFieldsByLabel["Items"] != json.Number("4") {
		t.Errorf("CustomFieldsByLabel = %v", tk.CustomFieldsByLabel)
	}
	if v, ok := tk.CustomFieldsByLabel["Purchase Date"]; !ok || v != nil {
		t.Errorf("CustomFieldsByLabel[Purchase Date] = %v (present %v), want a nil value", v, ok)
	}
	if tk.SourceTicket == nil || tk.SourceTicket.ID != "1892000000042001" || tk.SourceTicket.Subject != "Printer jams" || len(tk.SourceTicket.Extra) != 0 {
		t.Errorf("SourceTicket = %+v", tk.SourceTicket)
	}
	want := []SkillInfo{
		{SkillID: "18921000000379001", SkillName: "Printers", SkillTypeID: "18921000000364001", SkillTypeName: "Product", MappingType: "SYSTEM", Weightage: 7},
		{SkillID: "18921000000379055", SkillName: "German", SkillTypeID: "18921000000364003", SkillTypeName: "Language", MappingType: "USER"},
	}
	if len(tk.SkillsInfo) != len(want) {
		t.Fatalf("SkillsInfo = %+v", tk.SkillsInfo)
	}
	for i, w := range want {
		if g := tk.SkillsInfo[i]; g.SkillID != w.SkillID || g.SkillName != w.SkillName || g.SkillTypeID != w.SkillTypeID ||
			g.SkillTypeName != w.SkillTypeName || g.MappingType != w.MappingType || g.Weightage != w.Weightage || len(g.Extra) != 0 {
			t.Errorf("SkillsInfo[%d] = %+v, want %+v", i, g, w)
		}
	}
}
