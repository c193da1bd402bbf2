package desk_test

// Integration tests: the typed client against the fake server of package
// desktest, over real HTTP. The two packages were written independently
// from the official spec, so every method is run here and its decoded
// values checked: a field name, path or shape on which they disagree shows
// up as an error, an empty field or a key in Extra.

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
)

// newIntegrationServer starts a small seeded organisation.
func newIntegrationServer(t *testing.T, opts desktest.Options) *desktest.Server {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	if opts.Tickets == 0 {
		opts.Tickets = 250
	}
	if opts.Contacts == 0 {
		opts.Contacts = 40
	}
	if opts.Accounts == 0 {
		opts.Accounts = 12
	}
	srv := desktest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// newIntegrationClient returns a client for srv; edit may change its
// configuration first.
func newIntegrationClient(t *testing.T, srv *desktest.Server, edit func(*desk.Config)) *desk.Client {
	t.Helper()
	cfg := srv.ClientConfig()
	cfg.MaxRetryWait = 50 * time.Millisecond
	if edit != nil {
		edit(&cfg)
	}
	c, err := desk.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// allowedExtra lists, by Go type, the keys the fake server sends that the
// desk struct deliberately does not declare, each checked against the spec
// (zoho/zohodesk-oas v1.0). Any other key in an Extra map is a field the
// struct should have declared, or a value that did not fit its field: a bug.
var allowedExtra = map[string][]string{}

// checkExtra walks v (a struct, pointer, slice or map of them) and reports
// every key found in an Extra map, with the path to it. Keys not allowed by
// allowedExtra fail the test.
func checkExtra(t *testing.T, what string, v any, allow ...string) {
	t.Helper()
	walkExtra(t, what, reflect.ValueOf(v), allow)
}

func walkExtra(t *testing.T, path string, v reflect.Value, allow []string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkExtra(t, path, v.Elem(), allow)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkExtra(t, path+"["+itoa(i)+"]", v.Index(i), allow)
		}
	case reflect.Struct:
		typ := v.Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "Extra" {
				extra, ok := v.Field(i).Interface().(map[string]json.RawMessage)
				if !ok || len(extra) == 0 {
					continue
				}
				keys := make([]string, 0, len(extra))
				for k := range extra {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				t.Logf("%s (%s): Extra holds %v", path, typ.Name(), keys)
				for _, k := range keys {
					if !slices.Contains(allowedExtra[typ.Name()], k) && !slices.Contains(allow, k) {
						t.Errorf("%s (%s): key %q = %s landed in Extra: declare it (or fix its type) in desk, or fix desktest if the spec disagrees", path, typ.Name(), k, excerptOf(extra[k]))
					}
				}
				continue
			}
			walkExtra(t, path+"."+f.Name, v.Field(i), allow)
		}
	}
}

func excerptOf(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }

// checkID fails unless id is a non-empty string of digits.
func checkID(t *testing.T, what, id string) {
	t.Helper()
	if id == "" {
		t.Errorf("%s: ID is empty", what)
		return
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			t.Errorf("%s: ID %q is not all digits", what, id)
			return
		}
	}
}

// checkTime fails if tm is the zero time or in the future of the server.
func checkTime(t *testing.T, what string, tm time.Time, now time.Time) {
	t.Helper()
	if tm.IsZero() {
		t.Errorf("%s is the zero time", what)
		return
	}
	if tm.After(now.Add(time.Minute)) || tm.Before(now.AddDate(-3, 0, 0)) {
		t.Errorf("%s = %v is not a plausible time (now %v)", what, tm, now)
	}
}

func checkTicket(t *testing.T, what string, tk *desk.Ticket, now time.Time, allow ...string) {
	t.Helper()
	checkID(t, what+".ID", tk.ID)
	checkID(t, what+".DepartmentID", tk.DepartmentID)
	checkID(t, what+".ContactID", tk.ContactID)
	if tk.AssigneeID != "" {
		checkID(t, what+".AssigneeID", tk.AssigneeID)
	}
	if tk.TicketNumber == "" || tk.Subject == "" || tk.Status == "" || tk.StatusType == "" || tk.Channel == "" {
		t.Errorf("%s: number %q, subject %q, status %q/%q, channel %q: want all set", what, tk.TicketNumber, tk.Subject, tk.Status, tk.StatusType, tk.Channel)
	}
	checkTime(t, what+".CreatedTime", tk.CreatedTime, now)
	checkTime(t, what+".ModifiedTime", tk.ModifiedTime, now)
	if tk.ThreadCount < 1 {
		t.Errorf("%s.ThreadCount = %d, want at least 1", what, tk.ThreadCount)
	}
	if _, ok := tk.CustomFields["cf_order_id"]; !ok {
		t.Errorf("%s.CustomFields = %v, want cf_order_id", what, tk.CustomFields)
	}
	if !strings.HasPrefix(tk.WebURL, "https://") {
		t.Errorf("%s.WebURL = %q", what, tk.WebURL)
	}
	checkExtra(t, what, tk, allow...)
}

func checkThread(t *testing.T, what string, th *desk.Thread, now time.Time) {
	t.Helper()
	checkID(t, what+".ID", th.ID)
	checkTime(t, what+".CreatedTime", th.CreatedTime, now)
	if th.Direction != "in" && th.Direction != "out" {
		t.Errorf("%s.Direction = %q", what, th.Direction)
	}
	if th.Channel == "" || th.Summary == "" || th.Status == "" {
		t.Errorf("%s: channel %q, summary %q, status %q: want all set", what, th.Channel, th.Summary, th.Status)
	}
	if th.Author == nil || th.Author.Type == "" || th.Author.Name == "" {
		t.Errorf("%s.Author = %+v, want a name and a type", what, th.Author)
	} else if th.Author.Type == "AGENT" {
		checkID(t, what+".Author.ID", th.Author.ID)
	}
	checkExtra(t, what, th)
}

func checkComment(t *testing.T, what string, cm *desk.Comment, now time.Time) {
	t.Helper()
	checkID(t, what+".ID", cm.ID)
	checkID(t, what+".CommenterID", cm.CommenterID)
	checkTime(t, what+".CommentedTime", cm.CommentedTime, now)
	if cm.Content == "" {
		t.Errorf("%s.Content is empty", what)
	}
	if cm.Commenter == nil {
		t.Errorf("%s.Commenter is nil", what)
	} else {
		checkID(t, what+".Commenter.ID", cm.Commenter.ID)
	}
	checkExtra(t, what, cm)
}

func checkContact(t *testing.T, what string, ct *desk.Contact, now time.Time, allow ...string) {
	t.Helper()
	checkID(t, what+".ID", ct.ID)
	if ct.LastName == "" {
		t.Errorf("%s.LastName is empty", what)
	}
	if ct.AccountID != "" {
		checkID(t, what+".AccountID", ct.AccountID)
	}
	checkTime(t, what+".CreatedTime", ct.CreatedTime, now)
	if ct.CustomFields == nil {
		t.Errorf("%s.CustomFields is nil", what)
	}
	checkExtra(t, what, ct, allow...)
}

func checkAccount(t *testing.T, what string, a *desk.Account, now time.Time, allow ...string) {
	t.Helper()
	checkID(t, what+".ID", a.ID)
	if a.AccountName == "" {
		t.Errorf("%s.AccountName is empty", what)
	}
	checkTime(t, what+".CreatedTime", a.CreatedTime, now)
	if a.CustomFields == nil {
		t.Errorf("%s.CustomFields is nil", what)
	}
	checkExtra(t, what, a, allow...)
}

func checkAgent(t *testing.T, what string, a *desk.Agent) {
	t.Helper()
	checkID(t, what+".ID", a.ID)
	if a.EmailID == "" || a.Name == "" || a.Status == "" {
		t.Errorf("%s: email %q, name %q, status %q: want all set", what, a.EmailID, a.Name, a.Status)
	}
	if len(a.AssociatedDepartmentIDs) == 0 {
		t.Errorf("%s.AssociatedDepartmentIDs is empty", what)
	}
	for _, id := range a.AssociatedDepartmentIDs {
		checkID(t, what+".AssociatedDepartmentIDs", id)
	}
	checkExtra(t, what, a)
}

func checkDepartment(t *testing.T, what string, d *desk.Department, now time.Time) {
	t.Helper()
	checkID(t, what+".ID", d.ID)
	if d.Name == "" {
		t.Errorf("%s.Name is empty", what)
	}
	checkTime(t, what+".CreatedTime", d.CreatedTime, now)
	checkExtra(t, what, d)
}

// collect drains an iterator, failing the test on an error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("iteration: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// fixture is the records the resource tests share.
type fixture struct {
	srv    *desktest.Server
	c      *desk.Client
	now    time.Time
	ticket desk.Ticket // the first ticket of the list
	thread desk.Thread // its first thread
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := newIntegrationServer(t, desktest.Options{})
	c := newIntegrationClient(t, srv, nil)
	ctx := context.Background()
	ts, _, err := c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 1}})
	if err != nil || len(ts) != 1 {
		t.Fatalf("Tickets.List: %d tickets, %v", len(ts), err)
	}
	ths, _, err := c.Threads.List(ctx, ts[0].ID, nil)
	if err != nil || len(ths) == 0 {
		t.Fatalf("Threads.List: %d threads, %v", len(ths), err)
	}
	return &fixture{srv: srv, c: c, now: srv.Now(), ticket: ts[0], thread: ths[0]}
}

// TestIntegrationResources runs every method of every service against the
// fake server and checks what it decoded.
func TestIntegrationResources(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"Organizations.List", func(t *testing.T, f *fixture) {
			orgs, _, err := f.c.Organizations.List(ctx)
			if err != nil || len(orgs) != 1 {
				t.Fatalf("%d organizations, %v", len(orgs), err)
			}
			o := orgs[0]
			checkID(t, "org.ID", o.ID)
			if o.ID != f.srv.OrgID() || o.CompanyName == "" || o.PortalName == "" || o.Edition == "" || o.EmployeeCount == 0 {
				t.Errorf("organization %+v: want ID %s, a name, portal, edition and employee count", o, f.srv.OrgID())
			}
			checkExtra(t, "org", &o)
		}},
		{"Organizations.Get", func(t *testing.T, f *fixture) {
			o, _, err := f.c.Organizations.Get(ctx, f.srv.OrgID(), &desk.OrganizationGetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if o.ID != f.srv.OrgID() || !o.IsDefault {
				t.Errorf("organization %s default %v, want %s default", o.ID, o.IsDefault, f.srv.OrgID())
			}
			checkExtra(t, "org", o)
		}},
		{"Tickets.List", func(t *testing.T, f *fixture) {
			ts, resp, err := f.c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 100}, SortBy: "createdTime"})
			if err != nil || len(ts) != 100 {
				t.Fatalf("%d tickets, %v", len(ts), err)
			}
			if !resp.Credits.HasWeight || resp.Credits.Weight != 3 || !resp.Credits.HasRemaining {
				t.Errorf("credits %+v, want weight 3 and remaining", resp.Credits)
			}
			for i := range ts {
				checkTicket(t, "tickets["+itoa(i)+"]", &ts[i], f.now)
				if i > 0 && ts[i].CreatedTime.Before(ts[i-1].CreatedTime) {
					t.Errorf("ticket %d created before ticket %d with sortBy=createdTime", i, i-1)
				}
			}
		}},
		{"Tickets.List include and filters", func(t *testing.T, f *fixture) {
			ts, _, err := f.c.Tickets.List(ctx, &desk.TicketListOptions{
				ListOptions: desk.ListOptions{Limit: 20}, Include: []string{"contacts", "assignee", "departments"},
				Status: []string{"Open"}, DepartmentIDs: []string{f.ticket.DepartmentID}, SortBy: "-createdTime",
			})
			if err != nil || len(ts) == 0 {
				t.Fatalf("%d tickets, %v", len(ts), err)
			}
			for i, tk := range ts {
				if tk.Status != "Open" || tk.DepartmentID != f.ticket.DepartmentID {
					t.Errorf("ticket %s: status %q, department %s: the filters were ignored", tk.ID, tk.Status, tk.DepartmentID)
				}
				if tk.Contact == nil || tk.Department == nil {
					t.Errorf("ticket %s: contact %v, department %v: include was ignored", tk.ID, tk.Contact, tk.Department)
				}
				if tk.AssigneeID != "" && tk.Assignee == nil {
					t.Errorf("ticket %s: assignee %s not included", tk.ID, tk.AssigneeID)
				}
				checkTicket(t, "tickets["+itoa(i)+"]", &tk, f.now)
			}
		}},
		{"Tickets.All", func(t *testing.T, f *fixture) {
			ts := collect[desk.Ticket](t, f.c.Tickets.All(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 60}}))
			if len(ts) != 250 {
				t.Fatalf("All yielded %d tickets, want 250", len(ts))
			}
			seen := map[string]bool{}
			for _, tk := range ts {
				if seen[tk.ID] {
					t.Errorf("ticket %s yielded twice", tk.ID)
				}
				seen[tk.ID] = true
			}
		}},
		{"Tickets.Get", func(t *testing.T, f *fixture) {
			tk, resp, err := f.c.Tickets.Get(ctx, f.ticket.ID, "contacts", "assignee", "departments", "isRead")
			if err != nil {
				t.Fatal(err)
			}
			if resp.Credits.Weight != 1 {
				t.Errorf("weight %d, want 1", resp.Credits.Weight)
			}
			checkTicket(t, "ticket", tk, f.now)
			if tk.ID != f.ticket.ID || tk.Description == "" {
				t.Errorf("ticket %s, description %q: want %s with a description", tk.ID, tk.Description, f.ticket.ID)
			}
			if tk.Contact == nil || tk.Contact.ID != tk.ContactID || tk.Contact.LastName == "" {
				t.Errorf("contact %+v, want contact %s", tk.Contact, tk.ContactID)
			}
			if tk.Department == nil || tk.Department.ID != tk.DepartmentID || tk.Department.Name == "" {
				t.Errorf("department %+v, want department %s", tk.Department, tk.DepartmentID)
			}
		}},
		{"Tickets.Create and Update", func(t *testing.T, f *fixture) {
			tk, _, err := f.c.Tickets.Create(ctx, &desk.TicketInput{
				Subject: "Printer on fire", DepartmentID: f.ticket.DepartmentID, ContactID: f.ticket.ContactID,
				Priority: "High", Channel: "Email", CustomFields: map[string]any{"cf_order_id": "123456"},
			})
			if err != nil {
				t.Fatal(err)
			}
			checkTicket(t, "created", tk, f.srv.Now())
			if tk.Subject != "Printer on fire" || tk.Priority != "High" || tk.CustomFields["cf_order_id"] != "123456" {
				t.Errorf("created %q priority %q cf %v", tk.Subject, tk.Priority, tk.CustomFields)
			}
			up, _, err := f.c.Tickets.Update(ctx, tk.ID, &desk.TicketInput{Status: "On Hold", Priority: "Low"})
			if err != nil {
				t.Fatal(err)
			}
			checkTicket(t, "updated", up, f.srv.Now())
			if up.ID != tk.ID || up.Status != "On Hold" || up.Priority != "Low" || up.Subject != tk.Subject {
				t.Errorf("updated %s status %q priority %q subject %q", up.ID, up.Status, up.Priority, up.Subject)
			}
		}},
		{"Tickets.MoveToTrash", func(t *testing.T, f *fixture) {
			ts, _, err := f.c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{From: 10, Limit: 2}})
			if err != nil || len(ts) != 2 {
				t.Fatalf("%d tickets, %v", len(ts), err)
			}
			resp, err := f.c.Tickets.MoveToTrash(ctx, []string{ts[0].ID, ts[1].ID})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Credits.Weight != 12 {
				t.Errorf("weight %d, want 12 (6 a ticket)", resp.Credits.Weight)
			}
			if _, _, err := f.c.Tickets.Get(ctx, ts[0].ID); !errors.Is(err, desk.ErrNotFound) {
				t.Errorf("Get of a trashed ticket: %v, want ErrNotFound", err)
			}
		}},
		{"Tickets.UpdateMany", func(t *testing.T, f *fixture) {
			resp, err := f.c.Tickets.UpdateMany(ctx, &desk.BulkUpdate{IDs: []string{f.ticket.ID}, FieldName: "priority", FieldValue: "Low"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Credits.Weight != 25 {
				t.Errorf("weight %d, want 25", resp.Credits.Weight)
			}
			tk, _, err := f.c.Tickets.Get(ctx, f.ticket.ID)
			if err != nil || tk.Priority != "Low" {
				t.Errorf("after UpdateMany: priority %v, %v", tk, err)
			}
		}},
		{"Tickets.CloseMany", func(t *testing.T, f *fixture) {
			if _, err := f.c.Tickets.CloseMany(ctx, []string{f.ticket.ID}); err != nil {
				t.Fatal(err)
			}
			tk, _, err := f.c.Tickets.Get(ctx, f.ticket.ID)
			if err != nil || tk.StatusType != "Closed" {
				t.Errorf("after CloseMany: %+v, %v", tk, err)
			}
		}},
		{"Tickets.Count", func(t *testing.T, f *fixture) {
			n, resp, err := f.c.Tickets.Count(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n != 250 || resp.Credits.Weight != 50 {
				t.Errorf("count %d weight %d, want 250 and 50", n, resp.Credits.Weight)
			}
			open, _, err := f.c.Tickets.Count(ctx, &desk.TicketCountOptions{DepartmentID: f.ticket.DepartmentID})
			if err != nil || open <= 0 || open >= 250 {
				t.Errorf("count of one department: %d, %v", open, err)
			}
			mine, _, err := f.c.Tickets.Count(ctx, &desk.TicketCountOptions{ContactID: f.ticket.ContactID,
				CreatedTimeRange: &desk.TimeRange{From: f.ticket.CreatedTime, To: f.ticket.CreatedTime}})
			if err != nil || mine < 1 {
				t.Errorf("count of one contact at one instant: %d, %v", mine, err)
			}
			none, _, err := f.c.Tickets.Count(ctx, &desk.TicketCountOptions{ModifiedTimeRange: &desk.TimeRange{From: f.now.AddDate(1, 0, 0), To: f.now.AddDate(2, 0, 0)}})
			if err != nil || none != 0 {
				t.Errorf("count modified next year: %d, %v", none, err)
			}
		}},
		{"Tickets.Search", func(t *testing.T, f *fixture) {
			rng := &desk.TimeRange{From: f.now.AddDate(-3, 0, 0), To: f.now}
			ts, count, _, err := f.c.Tickets.Search(ctx, &desk.TicketSearchOptions{
				ListOptions: desk.ListOptions{Limit: 10}, Status: []string{"Open"}, CreatedTimeRange: rng, SortBy: "-createdTime",
			})
			if err != nil || len(ts) != 10 || count < 10 {
				t.Fatalf("%d tickets of %d, %v", len(ts), count, err)
			}
			for i := range ts {
				checkTicket(t, "found["+itoa(i)+"]", &ts[i], f.now)
				if ts[i].Status != "Open" {
					t.Errorf("found a %q ticket searching Open", ts[i].Status)
				}
			}
		}},
		{"Tickets.SearchAll", func(t *testing.T, f *fixture) {
			_, count, _, err := f.c.Tickets.Search(ctx, &desk.TicketSearchOptions{Status: []string{"Closed"}, ListOptions: desk.ListOptions{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			ts := collect[desk.Ticket](t, f.c.Tickets.SearchAll(ctx, &desk.TicketSearchOptions{Status: []string{"Closed"}}))
			if int64(len(ts)) != count {
				t.Errorf("SearchAll yielded %d, count says %d", len(ts), count)
			}
		}},
		{"Threads.List and All", func(t *testing.T, f *fixture) {
			ths, _, err := f.c.Threads.List(ctx, f.ticket.ID, &desk.ThreadListOptions{ListOptions: desk.ListOptions{Limit: 100}})
			if err != nil || len(ths) != f.ticket.ThreadCount {
				t.Fatalf("%d threads (threadCount %d), %v", len(ths), f.ticket.ThreadCount, err)
			}
			for i := range ths {
				checkThread(t, "threads["+itoa(i)+"]", &ths[i], f.now)
			}
			all := collect[desk.Thread](t, f.c.Threads.All(ctx, f.ticket.ID, &desk.ThreadListOptions{ListOptions: desk.ListOptions{Limit: 1}}))
			if len(all) != len(ths) {
				t.Errorf("All yielded %d threads, List %d", len(all), len(ths))
			}
		}},
		{"Threads.List limit 101 refused by both", func(t *testing.T, f *fixture) {
			// Thread.json gives no maximum; client and fake agree on 100.
			before := len(f.srv.Requests())
			_, _, err := f.c.Threads.List(ctx, f.ticket.ID, &desk.ThreadListOptions{ListOptions: desk.ListOptions{Limit: 101}})
			if !errors.Is(err, desk.ErrInvalidOptions) {
				t.Errorf("client accepted limit 101: %v", err)
			}
			if n := len(f.srv.Requests()); n != before {
				t.Errorf("limit 101 reached the server (%d requests)", n-before)
			}
		}},
		{"Contacts.Create with every ContactInput field", func(t *testing.T, f *fixture) {
			// v1.0/Contact.json contactjson: everything ContactInput sends
			// must be accepted by desktest and come back declared.
			in := &desk.ContactInput{LastName: "Jack", FirstName: "Hugh", Email: "jack@zylker.com", SecondaryEmail: "hughjack@zylker.com",
				Phone: "5550100011", Mobile: "+1 555 010 0010", Type: "paidUser", Title: "The contact", Description: "first priority contact",
				Street: "North street", City: "Texas", State: "Austin", Country: "USA", Zip: "123902", Facebook: "hugh jacks", Twitter: "Hugh jack",
				Language: "English", LayoutID: "1892000000047189", CustomFields: map[string]any{"cf_tier": "Gold"}}
			as, _, err := f.c.Accounts.List(ctx, &desk.AccountListOptions{ListOptions: desk.ListOptions{Limit: 1}})
			if err != nil || len(as) != 1 {
				t.Fatalf("Accounts.List: %v", err)
			}
			ags, _, err := f.c.Agents.List(ctx, &desk.AgentListOptions{ListOptions: desk.ListOptions{Limit: 1}})
			if err != nil || len(ags) != 1 {
				t.Fatalf("Agents.List: %v", err)
			}
			in.AccountID, in.OwnerID = as[0].ID, ags[0].ID
			ct, _, err := f.c.Contacts.Create(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			checkContact(t, "created", ct, f.srv.Now())
			if ct.Zip != "123902" || ct.Facebook != "hugh jacks" || ct.Twitter != "Hugh jack" || ct.Language != "English" ||
				ct.LayoutID != in.LayoutID || ct.OwnerID != in.OwnerID || ct.SecondaryEmail != in.SecondaryEmail ||
				ct.AccountID != in.AccountID || ct.CustomFields["cf_tier"] != "Gold" {
				t.Errorf("created contact lost fields: %+v", ct)
			}
			up, _, err := f.c.Contacts.Update(ctx, ct.ID, &desk.ContactInput{Twitter: "hughj", Zip: "77500"})
			if err != nil || up.Twitter != "hughj" || up.Zip != "77500" || up.Facebook != "hugh jacks" {
				t.Errorf("updated %+v, %v", up, err)
			} else {
				checkContact(t, "updated", up, f.srv.Now())
			}
		}},
		{"Threads.Get", func(t *testing.T, f *fixture) {
			th, _, err := f.c.Threads.Get(ctx, f.ticket.ID, f.thread.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkThread(t, "thread", th, f.now)
			if th.ID != f.thread.ID || th.Content == "" {
				t.Errorf("thread %s content %q", th.ID, th.Content)
			}
		}},
		{"Tickets.Get contract and skills", func(t *testing.T, f *fixture) {
			tk, _, err := f.c.Tickets.Get(ctx, f.ticket.ID, "contract", "skills", "isRead", "team")
			if err != nil {
				t.Fatal(err)
			}
			checkTicket(t, "ticket", tk, f.now)
			if len(tk.SkillsInfo) == 0 {
				t.Fatalf("SkillsInfo is empty")
			}
			for i, sk := range tk.SkillsInfo {
				checkID(t, "SkillsInfo.SkillID", sk.SkillID)
				checkID(t, "SkillsInfo.SkillTypeID", sk.SkillTypeID)
				if sk.SkillName == "" || sk.SkillTypeName == "" || (sk.MappingType != "SYSTEM" && sk.MappingType != "USER") || sk.Weightage < 1 || sk.Weightage > 10 {
					t.Errorf("SkillsInfo[%d] = %+v", i, sk)
				}
			}
			if tk.ContractID != "" {
				t.Errorf("ContractID = %q, want none (the fake has no contracts)", tk.ContractID)
			}
		}},
		{"Tickets.Search custom fields", func(t *testing.T, f *fixture) {
			want, ok := f.ticket.CustomFields["cf_order_id"].(string)
			if !ok {
				t.Fatalf("cf_order_id = %#v, want a string", f.ticket.CustomFields["cf_order_id"])
			}
			ts, n, _, err := f.c.Tickets.Search(ctx, &desk.TicketSearchOptions{CustomFields: desk.CustomFieldFilters{{Field: "cf_order_id", Value: want}}})
			if err != nil {
				t.Fatal(err)
			}
			if n < 1 || !slices.ContainsFunc(ts, func(tk desk.Ticket) bool { return tk.ID == f.ticket.ID }) {
				t.Errorf("%d of %d matches, want ticket %s among them", len(ts), n, f.ticket.ID)
			}
			for i := range ts {
				if ts[i].CustomFields["cf_order_id"] != want {
					t.Errorf("match %s has cf_order_id %v, want %s", ts[i].ID, ts[i].CustomFields["cf_order_id"], want)
				}
				checkTicket(t, "match", &ts[i], f.now)
			}
			_, _, _, err = f.c.Tickets.Search(ctx, &desk.TicketSearchOptions{CustomFields: desk.CustomFieldFilters{{Field: "cf_order_id", Value: "${empty}"}}})
			if err != nil {
				t.Errorf("search for an empty cf_order_id: %v", err)
			}
		}},
		{"Threads.SendReply private", func(t *testing.T, f *fixture) {
			th, _, err := f.c.Threads.SendReply(ctx, f.ticket.ID, &desk.Reply{Channel: "FORUMS", Content: "Internal note.", IsPrivate: true})
			if err != nil {
				t.Fatal(err)
			}
			checkThread(t, "reply", th, f.srv.Now())
			if th.Visibility != "private" {
				t.Errorf("visibility %q, want private", th.Visibility)
			}
		}},
		{"Threads.SendReply", func(t *testing.T, f *fixture) {
			th, _, err := f.c.Threads.SendReply(ctx, f.ticket.ID, &desk.Reply{Channel: "EMAIL", Content: "We are on it.",
				ContentType: "plainText", To: "customer@example.com", FromEmailAddress: "support@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			checkThread(t, "reply", th, f.srv.Now())
			if th.Direction != "out" || th.Content != "We are on it." {
				t.Errorf("reply direction %q content %q", th.Direction, th.Content)
			}
		}},
		{"Comments", func(t *testing.T, f *fixture) {
			cm, _, err := f.c.Comments.Create(ctx, f.ticket.ID, &desk.CommentInput{Content: "Checked the logs.", ContentType: "plainText"})
			if err != nil {
				t.Fatal(err)
			}
			checkComment(t, "created", cm, f.srv.Now())
			up, _, err := f.c.Comments.Update(ctx, f.ticket.ID, cm.ID, &desk.CommentInput{Content: "Checked the logs twice.", IsPublic: true})
			if err != nil {
				t.Fatal(err)
			}
			checkComment(t, "updated", up, f.srv.Now())
			if up.ID != cm.ID || up.Content != "Checked the logs twice." || !up.IsPublic {
				t.Errorf("updated %s %q public %v", up.ID, up.Content, up.IsPublic)
			}
			cs, _, err := f.c.Comments.List(ctx, f.ticket.ID, &desk.CommentListOptions{SortBy: "-commentedTime"})
			if err != nil || len(cs) == 0 {
				t.Fatalf("%d comments, %v", len(cs), err)
			}
			for i := range cs {
				checkComment(t, "comments["+itoa(i)+"]", &cs[i], f.srv.Now())
			}
			all := collect[desk.Comment](t, f.c.Comments.All(ctx, f.ticket.ID, nil))
			if len(all) != len(cs) {
				t.Errorf("All yielded %d comments, List %d", len(all), len(cs))
			}
			if _, err := f.c.Comments.Delete(ctx, f.ticket.ID, cm.ID); err != nil {
				t.Fatal(err)
			}
			after := collect[desk.Comment](t, f.c.Comments.All(ctx, f.ticket.ID, nil))
			if len(after) != len(all)-1 {
				t.Errorf("after Delete: %d comments, want %d", len(after), len(all)-1)
			}
		}},
		{"Contacts", func(t *testing.T, f *fixture) {
			cs, _, err := f.c.Contacts.List(ctx, &desk.ContactListOptions{ListOptions: desk.ListOptions{Limit: 100}, SortBy: "createdTime"})
			if err != nil || len(cs) != 40 {
				t.Fatalf("%d contacts, %v", len(cs), err)
			}
			for i := range cs {
				checkContact(t, "contacts["+itoa(i)+"]", &cs[i], f.now)
			}
			all := collect[desk.Contact](t, f.c.Contacts.All(ctx, &desk.ContactListOptions{ListOptions: desk.ListOptions{Limit: 15}}))
			if len(all) != 40 {
				t.Errorf("All yielded %d contacts, want 40", len(all))
			}
			ct, _, err := f.c.Contacts.Get(ctx, f.ticket.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			checkContact(t, "contact", ct, f.now)
			created, _, err := f.c.Contacts.Create(ctx, &desk.ContactInput{LastName: "Okafor", FirstName: "Amara", Email: "amara@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			checkContact(t, "created", created, f.srv.Now())
			up, _, err := f.c.Contacts.Update(ctx, created.ID, &desk.ContactInput{Phone: "+1 555 0100"})
			if err != nil || up.Phone != "+1 555 0100" || up.LastName != "Okafor" {
				t.Errorf("updated %+v, %v", up, err)
			} else {
				checkContact(t, "updated", up, f.srv.Now())
			}
			ts, _, err := f.c.Contacts.Tickets(ctx, f.ticket.ContactID, &desk.ContactTicketsOptions{Include: []string{"assignee"}})
			if err != nil || len(ts) == 0 {
				t.Fatalf("contact's tickets: %d, %v", len(ts), err)
			}
			for i := range ts {
				if ts[i].ContactID != f.ticket.ContactID {
					t.Errorf("contact's ticket %s has contact %s", ts[i].ID, ts[i].ContactID)
				}
				checkTicket(t, "contactTickets["+itoa(i)+"]", &ts[i], f.now)
			}
			allTs := collect[desk.Ticket](t, f.c.Contacts.AllTickets(ctx, f.ticket.ContactID, &desk.ContactTicketsOptions{ListOptions: desk.ListOptions{Limit: 1}}))
			if len(allTs) < len(ts) {
				t.Errorf("AllTickets yielded %d, Tickets %d", len(allTs), len(ts))
			}
		}},
		{"Accounts", func(t *testing.T, f *fixture) {
			as, _, err := f.c.Accounts.List(ctx, &desk.AccountListOptions{SortBy: "accountName", ListOptions: desk.ListOptions{Limit: 100}})
			if err != nil || len(as) != 12 {
				t.Fatalf("%d accounts, %v", len(as), err)
			}
			for i := range as {
				checkAccount(t, "accounts["+itoa(i)+"]", &as[i], f.now)
			}
			all := collect[desk.Account](t, f.c.Accounts.All(ctx, &desk.AccountListOptions{ListOptions: desk.ListOptions{Limit: 5}}))
			if len(all) != 12 {
				t.Errorf("All yielded %d accounts, want 12", len(all))
			}
			a, _, err := f.c.Accounts.Get(ctx, as[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			checkAccount(t, "account", a, f.now)
			created, _, err := f.c.Accounts.Create(ctx, &desk.AccountInput{AccountName: "Zylker Integration Ltd", Website: "https://zylker.example"})
			if err != nil {
				t.Fatal(err)
			}
			checkAccount(t, "created", created, f.srv.Now())
			up, _, err := f.c.Accounts.Update(ctx, created.ID, &desk.AccountInput{Industry: "Retail"})
			if err != nil || up.Industry != "Retail" || up.AccountName != "Zylker Integration Ltd" {
				t.Errorf("updated %+v, %v", up, err)
			} else {
				checkAccount(t, "updated", up, f.srv.Now())
			}
		}},
		{"Agents", func(t *testing.T, f *fixture) {
			as, _, err := f.c.Agents.List(ctx, &desk.AgentListOptions{Status: "ACTIVE", ListOptions: desk.ListOptions{Limit: 200}})
			if err != nil || len(as) != 40 {
				t.Fatalf("%d agents, %v", len(as), err)
			}
			for i := range as {
				checkAgent(t, "agents["+itoa(i)+"]", &as[i])
			}
			all := collect[desk.Agent](t, f.c.Agents.All(ctx, &desk.AgentListOptions{ListOptions: desk.ListOptions{Limit: 15}}))
			if len(all) != 40 {
				t.Errorf("All yielded %d agents, want 40", len(all))
			}
			a, _, err := f.c.Agents.Get(ctx, as[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			checkAgent(t, "agent", a)
		}},
		{"Departments", func(t *testing.T, f *fixture) {
			ds, _, err := f.c.Departments.List(ctx, &desk.DepartmentListOptions{IsEnabled: new(true)})
			if err != nil || len(ds) != desktest.DefaultDepartments {
				t.Fatalf("%d departments, %v", len(ds), err)
			}
			for i := range ds {
				checkDepartment(t, "departments["+itoa(i)+"]", &ds[i], f.now)
			}
			all := collect[desk.Department](t, f.c.Departments.All(ctx, &desk.DepartmentListOptions{ListOptions: desk.ListOptions{Limit: 1}}))
			if len(all) != len(ds) {
				t.Errorf("All yielded %d departments, List %d", len(all), len(ds))
			}
			d, _, err := f.c.Departments.Get(ctx, f.ticket.DepartmentID)
			if err != nil {
				t.Fatal(err)
			}
			checkDepartment(t, "department", d, f.now)
		}},
		{"Search", func(t *testing.T, f *fixture) {
			word := strings.Fields(f.ticket.Subject)[0]
			rs, count, _, err := f.c.Search.Search(ctx, &desk.SearchOptions{SearchStr: word + "*", Module: "tickets", ListOptions: desk.ListOptions{Limit: 10}})
			if err != nil || len(rs) == 0 || count.Total < int64(len(rs)) || count.ByModule != nil {
				t.Fatalf("%d results of %+v, %v", len(rs), count, err)
			}
			for i, r := range rs {
				checkID(t, "result.ID", r.ID)
				tk, err := r.Ticket()
				if err != nil {
					t.Fatalf("result %d as a ticket: %v", i, err)
				}
				checkTicket(t, "result["+itoa(i)+"]", tk, f.now, "module")
			}
			all := collect[desk.SearchResult](t, f.c.Search.All(ctx, &desk.SearchOptions{SearchStr: word, Module: "tickets"}))
			if int64(len(all)) != count.Total {
				t.Errorf("All yielded %d results, count %d", len(all), count.Total)
			}
			for _, module := range []string{"contacts", "accounts"} {
				rs, _, _, err := f.c.Search.Search(ctx, &desk.SearchOptions{SearchStr: "a", Module: module})
				if err != nil || len(rs) == 0 {
					t.Fatalf("searching %s: %d results, %v", module, len(rs), err)
				}
				switch module {
				case "contacts":
					ct, err := rs[0].Contact()
					if err != nil {
						t.Fatal(err)
					}
					checkContact(t, "contactResult", ct, f.now, "module")
				case "accounts":
					a, err := rs[0].Account()
					if err != nil {
						t.Fatal(err)
					}
					checkAccount(t, "accountResult", a, f.now, "module")
				}
			}
			rs, count, _, err = f.c.Search.Search(ctx, &desk.SearchOptions{SearchStr: "a", ListOptions: desk.ListOptions{Limit: 100}})
			if err != nil || len(rs) == 0 || count.ByModule == nil || count.ByModule["contacts"] == 0 || count.ByModule["accounts"] == 0 {
				t.Fatalf("search of all modules: %d results, count %+v, %v", len(rs), count, err)
			}
			var sum int64
			for _, n := range count.ByModule {
				sum += n
			}
			if sum != count.Total {
				t.Errorf("count per module %v does not add up to %d", count.ByModule, count.Total)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newFixture(t))
		})
	}
}

// TestIntegrationOptions sends every option field of every call at once:
// Desk (and desktest) reject a query parameter they do not know with 422,
// so a name on which the client and the server disagree fails here.
func TestIntegrationOptions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	now := f.now
	rng := &desk.TimeRange{From: now.AddDate(-3, 0, 0), To: now}
	agents, _, err := f.c.Agents.List(ctx, nil)
	if err != nil || len(agents) == 0 {
		t.Fatalf("agents: %v", err)
	}
	agentID := agents[0].ID
	tests := []struct {
		name string
		call func() error
	}{
		{"Organizations.Get", func() error {
			_, _, err := f.c.Organizations.Get(ctx, f.srv.OrgID(), &desk.OrganizationGetOptions{IncludeCustomDomain: true})
			return err
		}},
		{"Tickets.List", func() error {
			_, _, err := f.c.Tickets.List(ctx, &desk.TicketListOptions{
				ListOptions: desk.ListOptions{From: 1, Limit: 5}, Include: []string{"contacts", "products", "departments", "team", "assignee"},
				Status: []string{"Open", "On Hold"}, Assignee: []string{agentID, "Unassigned"}, DepartmentID: f.ticket.DepartmentID,
				DepartmentIDs: []string{f.ticket.DepartmentID}, TeamIDs: []string{"1892000000000001"}, ViewID: "1892000000000002",
				Channel: []string{"Email"}, Priority: []string{"High"}, ReceivedInDays: 90, Fields: []string{"subject", "status"},
				SortBy: "-dueDate",
			})
			return err
		}},
		{"Tickets.Get", func() error {
			_, _, err := f.c.Tickets.Get(ctx, f.ticket.ID, "contacts", "products", "departments", "team", "assignee", "contract", "isRead", "skills")
			return err
		}},
		{"Tickets.Count", func() error {
			_, _, err := f.c.Tickets.Count(ctx, &desk.TicketCountOptions{DepartmentID: f.ticket.DepartmentID, AssigneeID: agentID,
				ContactID: f.ticket.ContactID, Category: "General", CreatedTimeRange: &desk.TimeRange{From: f.now.AddDate(-1, 0, 0), To: f.now},
				ModifiedTimeRange: &desk.TimeRange{From: f.now.AddDate(-1, 0, 0), To: f.now}})
			return err
		}},
		{"Tickets.Search", func() error {
			_, _, _, err := f.c.Tickets.Search(ctx, &desk.TicketSearchOptions{
				ListOptions: desk.ListOptions{From: 1, Limit: 5}, All: "login", Subject: "Unable*", Email: []string{"*@customer.example"},
				Phone: []string{"+1*"}, TicketNumber: []string{"101"}, ID: []string{f.ticket.ID}, Status: []string{"Open"},
				Priority: []string{"High"}, Channel: []string{"Email"}, Category: "General", AccountName: "Zyl*", ContactName: "Pri*",
				ProductName: "Desk*", DepartmentID: f.ticket.DepartmentID, AssigneeID: []string{agentID}, ContactID: []string{f.ticket.ContactID},
				AccountID: []string{"1892000000000003"}, ProductID: []string{"1892000000000004"},
				CreatedTimeRange: rng, ModifiedTimeRange: rng, DueDateRange: rng, CustomerResponseTimeRange: rng,
				Description: "*printer*", Tag: "urgent", SortBy: "-customerResponseTime",
				CustomFields: desk.CustomFieldFilters{{Field: "cf_order_id", Value: "5*"}, {Field: "cf_region", Value: "${empty}"}},
			})
			return err
		}},
		{"Threads.List", func() error {
			_, _, err := f.c.Threads.List(ctx, f.ticket.ID, &desk.ThreadListOptions{ListOptions: desk.ListOptions{From: 0, Limit: 100}, SortBy: "-sendDateTime"})
			return err
		}},
		{"Contacts.List sorted by email", func() error {
			_, _, err := f.c.Contacts.List(ctx, &desk.ContactListOptions{SortBy: "email"})
			return err
		}},
		{"Comments.List", func() error {
			_, _, err := f.c.Comments.List(ctx, f.ticket.ID, &desk.CommentListOptions{ListOptions: desk.ListOptions{Limit: 100}, SortBy: "-commentedTime", Include: []string{"mentions"}})
			return err
		}},
		{"Contacts.List", func() error {
			_, _, err := f.c.Contacts.List(ctx, &desk.ContactListOptions{ListOptions: desk.ListOptions{Limit: 100}, ViewID: "1892000000000002",
				SortBy: "-lastName", Include: []string{"accounts"}, Fields: []string{"lastName", "email"}})
			return err
		}},
		{"Contacts.Tickets", func() error {
			_, _, err := f.c.Contacts.Tickets(ctx, f.ticket.ContactID, &desk.ContactTicketsOptions{ListOptions: desk.ListOptions{Limit: 100},
				Include: []string{"products", "departments", "team", "assignee", "isRead"}, DepartmentID: f.ticket.DepartmentID,
				SortBy: "-createdTime", IsSpam: true})
			return err
		}},
		{"Accounts.List", func() error {
			_, _, err := f.c.Accounts.List(ctx, &desk.AccountListOptions{ListOptions: desk.ListOptions{Limit: 100}, ViewID: "1892000000000002",
				FilterID: "1892000000000005", SortBy: "-accountName", Fields: []string{"accountName"}})
			return err
		}},
		{"Accounts.Get", func() error {
			_, _, err := f.c.Accounts.Get(ctx, f.ticket.AccountID, "owner")
			return err
		}},
		{"Agents.List", func() error {
			_, _, err := f.c.Agents.List(ctx, &desk.AgentListOptions{ListOptions: desk.ListOptions{Limit: 200}, Status: "ACTIVE", IsConfirmed: true,
				SearchStr: "a*", DepartmentIDs: []string{f.ticket.DepartmentID},
				Include: []string{"profile", "role"}, RoleIDs: []string{"1892000000000006"}, ProfileIDs: []string{"1892000000000007"},
				RolePermissionType: "${NON_LIGHT}", IsLightAgent: new(false), FieldName: "name", CFFieldName: "cf_badge",
				CFSearchStr: "B*", SortOrder: "asc"})
			return err
		}},
		{"Agents.Get", func() error {
			_, _, err := f.c.Agents.Get(ctx, agentID, "profile", "role", "associatedDepartments", "associatedChatDepartments", "verifiedEmails")
			return err
		}},
		{"Departments.List", func() error {
			_, _, err := f.c.Departments.List(ctx, &desk.DepartmentListOptions{ListOptions: desk.ListOptions{Limit: 200}, IsEnabled: new(true), SearchStr: "Sup*", ChatStatus: "AVAILABLE"})
			return err
		}},
		{"Tickets.Update", func() error {
			_, _, err := f.c.Tickets.Update(ctx, f.ticket.ID, &desk.TicketInput{Priority: "Low", DisableClosureNotification: true})
			return err
		}},
		{"Threads.SendReply", func() error {
			_, _, err := f.c.Threads.SendReply(ctx, f.ticket.ID, &desk.Reply{Channel: "FORUMS", Content: "x", IsPrivate: true, SendImmediately: true})
			return err
		}},
		{"Search.Search", func() error {
			_, _, _, err := f.c.Search.Search(ctx, &desk.SearchOptions{ListOptions: desk.ListOptions{From: 0, Limit: 100}, SearchStr: "a",
				Module: "tickets", DepartmentID: f.ticket.DepartmentID, SortBy: "-modifiedTime"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}

// TestIntegrationJobCap stops an iteration at a job's cap after the last
// page the job could afford, then resumes it from IterationStopped.Next
// under a new job: the two runs together yield every ticket once, in order.
func TestIntegrationJobCap(t *testing.T) {
	ctx := context.Background()
	srv := newIntegrationServer(t, desktest.Options{})
	c := newIntegrationClient(t, srv, nil)
	want := collect[desk.Ticket](t, c.Tickets.All(ctx, nil))
	if len(want) != 250 {
		t.Fatalf("%d tickets, want 250", len(want))
	}
	srv.ResetRequests()

	// A page costs 3 credits: a cap of 7 affords two pages, not three.
	opts := &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 100}}
	var got []desk.Ticket
	var stop *desk.IterationStopped
	jobCtx := credits.WithJob(ctx, credits.Job{Name: "export-1", Cap: 7})
	for tk, err := range c.Tickets.All(jobCtx, opts) {
		if err != nil {
			if !errors.As(err, &stop) || !errors.Is(err, credits.ErrJobCapReached) {
				t.Fatalf("iteration ended with %v, want an IterationStopped for ErrJobCapReached", err)
			}
			break
		}
		got = append(got, tk)
	}
	if stop == nil || stop.Next != 200 || len(got) != 200 {
		t.Fatalf("stopped at %+v after %d tickets, want Next 200 after 200", stop, len(got))
	}
	if n := srv.RequestCount(); n != 2 {
		t.Errorf("the server saw %d requests, want 2: the refused page must not be sent", n)
	}

	opts.From = stop.Next
	resumeCtx := credits.WithJob(ctx, credits.Job{Name: "export-2", Cap: 7})
	got = append(got, collect[desk.Ticket](t, c.Tickets.All(resumeCtx, opts))...)
	if len(got) != len(want) {
		t.Fatalf("%d tickets after resuming, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("ticket %d is %s, want %s: a duplicate or a gap", i, got[i].ID, want[i].ID)
		}
	}
}

// TestIntegrationThresholdExceeded drains the organisation's day through
// another integration: Desk's THRESHOLD_EXCEEDED surfaces as
// ErrThresholdExceeded, and the governor then refuses further calls
// without sending them.
func TestIntegrationThresholdExceeded(t *testing.T) {
	ctx := context.Background()
	srv := newIntegrationServer(t, desktest.Options{})
	c := newIntegrationClient(t, srv, nil)
	if _, _, err := c.Tickets.Get(ctx, mustFirstTicket(t, c).ID); err != nil {
		t.Fatal(err)
	}
	srv.SpendExternal(srv.Remaining())

	_, _, err := c.Agents.List(ctx, nil)
	var de *desk.Error
	if !errors.Is(err, desk.ErrThresholdExceeded) || !errors.As(err, &de) || de.Code != desk.CodeThresholdExceeded {
		t.Fatalf("after the day was drained: %v, want Desk's THRESHOLD_EXCEEDED", err)
	}
	sent := srv.RequestCount()
	_, _, err = c.Departments.List(ctx, nil)
	var refusal *credits.Refusal
	if !errors.Is(err, desk.ErrThresholdExceeded) || !errors.As(err, &refusal) {
		t.Fatalf("the next call: %v, want a refusal by the governor matching ErrThresholdExceeded", err)
	}
	if n := srv.RequestCount(); n != sent {
		t.Errorf("the server saw %d more requests after the stop, want none", n-sent)
	}
}

func mustFirstTicket(t *testing.T, c *desk.Client) desk.Ticket {
	t.Helper()
	ts, _, err := c.Tickets.List(context.Background(), &desk.TicketListOptions{ListOptions: desk.ListOptions{Limit: 1}})
	if err != nil || len(ts) == 0 {
		t.Fatalf("Tickets.List: %d, %v", len(ts), err)
	}
	return ts[0]
}

// TestIntegrationRetries checks what is retried through the fake server's
// own faults: TOO_MANY_REQUESTS past the portal's concurrency and a 5xx on
// a GET are retried; a 5xx on a POST is not, since it may have been applied.
func TestIntegrationRetries(t *testing.T) {
	ctx := context.Background()

	t.Run("too many requests", func(t *testing.T) {
		srv := newIntegrationServer(t, desktest.Options{Concurrency: 1})
		c := newIntegrationClient(t, srv, nil)
		tk := mustFirstTicket(t, c)
		// The first call holds the portal's only slot for a while.
		remove, err := srv.InjectFault(desktest.Fault{Kind: desktest.FaultLatency, Route: "GET /tickets/{id}", Latency: 150 * time.Millisecond, Times: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer remove()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.Tickets.Get(ctx, tk.ID); err != nil {
				t.Errorf("slow call: %v", err)
			}
		}()
		time.Sleep(30 * time.Millisecond)
		_, resp, err := c.Agents.List(ctx, nil)
		wg.Wait()
		if err != nil {
			t.Fatalf("the call refused with TOO_MANY_REQUESTS was not retried to success: %v", err)
		}
		if resp.Credits.Attempts < 2 {
			t.Errorf("%d attempts, want a retry", resp.Credits.Attempts)
		}
		if n := countCode(srv, "TOO_MANY_REQUESTS"); n == 0 {
			t.Error("the server never answered TOO_MANY_REQUESTS: the test did not test anything")
		}
	})

	t.Run("5xx on GET", func(t *testing.T) {
		srv := newIntegrationServer(t, desktest.Options{})
		c := newIntegrationClient(t, srv, nil)
		tk := mustFirstTicket(t, c)
		if _, err := srv.InjectFault(desktest.Fault{Kind: desktest.FaultServerError, Route: "GET /tickets/{id}", Status: 503, Times: 1}); err != nil {
			t.Fatal(err)
		}
		got, resp, err := c.Tickets.Get(ctx, tk.ID)
		if err != nil || got.ID != tk.ID {
			t.Fatalf("Get after a 503: %v, %v", got, err)
		}
		if resp.Credits.Attempts != 2 {
			t.Errorf("%d attempts, want 2", resp.Credits.Attempts)
		}
	})

	t.Run("5xx on POST", func(t *testing.T) {
		srv := newIntegrationServer(t, desktest.Options{})
		c := newIntegrationClient(t, srv, nil)
		tk := mustFirstTicket(t, c)
		if _, err := srv.InjectFault(desktest.Fault{Kind: desktest.FaultServerError, Route: "POST /tickets", Times: 1}); err != nil {
			t.Fatal(err)
		}
		before := srv.RequestCount()
		_, _, err := c.Tickets.Create(ctx, &desk.TicketInput{Subject: "Once only", DepartmentID: tk.DepartmentID, ContactID: tk.ContactID})
		if !errors.Is(err, desk.ErrServer) {
			t.Fatalf("Create after a 500: %v, want ErrServer", err)
		}
		if n := srv.RequestCount() - before; n != 1 {
			t.Errorf("the POST was sent %d times, want once", n)
		}
	})
}

func countCode(srv *desktest.Server, code string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Code == code {
			n++
		}
	}
	return n
}

// TestIntegrationRevokedToken revokes the access token under a refresh-token
// source: the next call gets INVALID_OAUTH, refreshes once and succeeds.
func TestIntegrationRevokedToken(t *testing.T) {
	ctx := context.Background()
	srv := newIntegrationServer(t, desktest.Options{})
	c := newIntegrationClient(t, srv, func(cfg *desk.Config) { cfg.TokenSource = srv.RefreshTokenSource() })
	tk := mustFirstTicket(t, c)
	if n := srv.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes before the revocation, want 1", n)
	}
	srv.RevokeAccessTokens()
	got, resp, err := c.Tickets.Get(ctx, tk.ID)
	if err != nil || got.ID != tk.ID {
		t.Fatalf("Get after the revocation: %v, %v", got, err)
	}
	if n := srv.Refreshes(); n != 2 {
		t.Errorf("%d refreshes, want 2 (one forced by INVALID_OAUTH)", n)
	}
	if resp.Credits.Attempts != 2 {
		t.Errorf("%d attempts, want 2", resp.Credits.Attempts)
	}
	if n := countCode(srv, "INVALID_OAUTH"); n != 1 {
		t.Errorf("%d INVALID_OAUTH answers, want 1", n)
	}
}
