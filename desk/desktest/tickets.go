package desktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const defaultLimit = 10

// pageBounds returns the [lo, hi) slice bounds of the page that from and
// limit (already validated) select among n records.
func pageBounds(q url.Values, n, defLimit int) (lo, hi int) {
	from, limit := 0, defLimit
	if v := q.Get("from"); v != "" {
		from, _ = strconv.Atoi(v)
	}
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	lo = min(from, n)
	hi = min(lo+limit, n)
	return lo, hi
}

type listBody[T any] struct {
	Data []T `json:"data"`
}

// listReply is Desk's answer to a list call: {"data": [...]}, or 204 with
// no body when the page is empty.
func listReply[T any](items []T) *reply {
	if len(items) == 0 {
		return emptyReply(http.StatusNoContent)
	}
	return jsonReply(http.StatusOK, listBody[T]{Data: items})
}

// projectFields keeps only the comma-separated fields (and "id") of each
// item, as Desk's fields parameter does.
func projectFields[T any](items []T, fields string) []map[string]json.RawMessage {
	want := map[string]bool{"id": true}
	for f := range strings.SplitSeq(fields, ",") {
		want[strings.TrimSpace(f)] = true
	}
	out := make([]map[string]json.RawMessage, 0, len(items))
	for _, it := range items {
		b, _ := json.Marshal(it)
		var m map[string]json.RawMessage
		_ = json.Unmarshal(b, &m)
		for k := range m {
			if !want[k] {
				delete(m, k)
			}
		}
		out = append(out, m)
	}
	return out
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ticketFilter is the filters of GET /tickets and GET /ticketsCount.
type ticketFilter struct {
	statuses, assignees, depts, channels, priorities []string
	receivedSince                                    time.Time
}

func (f *ticketFilter) empty() bool {
	return f.statuses == nil && f.assignees == nil && f.depts == nil && f.channels == nil &&
		f.priorities == nil && f.receivedSince.IsZero()
}

func (f *ticketFilter) match(t *ticket) bool {
	if f.statuses != nil && !containsFold(f.statuses, t.Status) {
		return false
	}
	if f.assignees != nil {
		a := deref(t.AssigneeID)
		if !(a == "" && containsFold(f.assignees, "Unassigned")) && !containsFold(f.assignees, a) {
			return false
		}
	}
	if f.depts != nil && !containsFold(f.depts, t.DepartmentID) {
		return false
	}
	if f.channels != nil && !containsFold(f.channels, t.Channel) {
		return false
	}
	if f.priorities != nil && !containsFold(f.priorities, deref(t.Priority)) {
		return false
	}
	if !f.receivedSince.IsZero() && t.CustomerResponseTime.time().Before(f.receivedSince) {
		return false
	}
	return true
}

func ticketFilterOf(q url.Values, now time.Time) ticketFilter {
	f := ticketFilter{
		statuses: splitList(q.Get("status")), channels: splitList(q.Get("channel")),
		priorities: splitList(q.Get("priority")),
	}
	f.assignees = splitList(q.Get("assignee"))
	if a := splitList(q.Get("assigneeId")); a != nil {
		f.assignees = a
	}
	f.depts = append(splitList(q.Get("departmentId")), splitList(q.Get("departmentIds"))...)
	if v := q.Get("receivedInDays"); v != "" && v != "-1" {
		days, _ := strconv.Atoi(v)
		f.receivedSince = now.AddDate(0, 0, -days)
	}
	return f
}

// ticketSortKeys are the fields GET /tickets can sort by.
var ticketSortKeys = map[string]func(a, b *ticket) int{
	"createdTime":          func(a, b *ticket) int { return a.CreatedTime.time().Compare(b.CreatedTime.time()) },
	"modifiedTime":         func(a, b *ticket) int { return a.ModifiedTime.time().Compare(b.ModifiedTime.time()) },
	"dueDate":              func(a, b *ticket) int { return a.DueDate.time().Compare(b.DueDate.time()) },
	"responseDueDate":      func(a, b *ticket) int { return a.ResponseDueDate.time().Compare(b.ResponseDueDate.time()) },
	"customerResponseTime": func(a, b *ticket) int { return a.CustomerResponseTime.time().Compare(b.CustomerResponseTime.time()) },
	"recentThread":         func(a, b *ticket) int { return a.ModifiedTime.time().Compare(b.ModifiedTime.time()) },
	"ticketNumber": func(a, b *ticket) int {
		x, _ := strconv.Atoi(a.TicketNumber)
		y, _ := strconv.Atoi(b.TicketNumber)
		return x - y
	},
}

// sortTickets sorts ts by sortBy ("-" prefix for descending), a copy unless
// copied. It reports false for an unknown key.
func sortTickets(ts []*ticket, sortBy string, copied bool) ([]*ticket, bool) {
	return sortRecords(ts, sortBy, ticketSortKeys, copied)
}

// ticketView is the list (detail false) or detail view of t, with the
// related records of include. s.mu must be held.
func (s *Server) ticketView(t *ticket, detail bool, include []string) ticket {
	v := *t
	if !detail {
		v.Description = nil
	} else if v.Description == nil {
		v.Description = strp("<div>" + firstSummary(t) + "</div>")
	}
	if detail {
		v.SharedCount = strp("0")
	}
	d := s.data
	for _, inc := range include {
		switch inc {
		case "contacts":
			if ct := d.contactByID[t.ContactID]; ct != nil {
				tc := &ticketContact{ID: ct.ID, FirstName: ct.FirstName, LastName: ct.LastName, Email: ct.Email,
					Phone: ct.Phone, Mobile: ct.Mobile, Type: ct.Type}
				if ac := d.accountByID[deref(ct.AccountID)]; ac != nil {
					tc.Account = &ticketAccount{ID: ac.ID, AccountName: ac.AccountName, Website: ac.Website}
				}
				v.Contact = tc
			}
		case "assignee":
			if ag := d.agentByID[deref(t.AssigneeID)]; ag != nil {
				v.Assignee = &ticketAssignee{ID: ag.ID, FirstName: ag.FirstName, LastName: ag.LastName, Email: ag.EmailID, PhotoURL: ag.PhotoURL}
			}
		case "departments":
			if dp := d.deptByID[t.DepartmentID]; dp != nil {
				v.Department = &ticketDepartment{ID: dp.ID, Name: dp.Name}
			}
		case "isRead":
			read := t.StatusType == "Closed"
			v.IsRead = &read
		case "contract":
			v.ContractID = json.RawMessage("null")
		case "skills":
			v.SkillsInfo = skillsOf(t)
		}
	}
	return v
}

func firstSummary(t *ticket) string {
	if len(t.threads) > 0 {
		return t.threads[0].Summary
	}
	return t.Subject
}

// listTickets is GET /tickets.
func listTickets(c *call) *reply {
	s := c.s
	f := ticketFilterOf(c.query, c.now)
	include := splitList(c.query.Get("include"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts := s.data.tickets
	filtered := false
	if !f.empty() {
		out := make([]*ticket, 0, len(ts)/2)
		for _, t := range ts {
			if f.match(t) {
				out = append(out, t)
			}
		}
		ts, filtered = out, true
	}
	ts, ok := sortTickets(ts, c.query.Get("sortBy"), filtered)
	if !ok {
		return unprocessable("sortBy", "invalid", "The value must be one of createdTime, modifiedTime, dueDate, responseDueDate, customerResponseTime, recentThread, ticketNumber, optionally prefixed with -.")
	}
	return fieldsReply(c.query, page(c.query, ts, func(t *ticket) ticket { return s.ticketView(t, false, include) }))
}

// getTicket is GET /tickets/{id}.
func getTicket(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.data.ticketByID[c.params[0]]
	if t == nil {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, s.ticketView(t, true, splitList(c.query.Get("include"))))
}

// countTickets is GET /ticketsCount: {"count": n}.
func countTickets(c *call) *reply {
	s := c.s
	q := c.query
	eq := map[string]func(*ticket) string{
		"departmentId": func(t *ticket) string { return t.DepartmentID },
		"assigneeId":   func(t *ticket) string { return deref(t.AssigneeID) },
		"contactId":    func(t *ticket) string { return t.ContactID },
		"category":     func(t *ticket) string { return deref(t.Category) },
	}
	ranges := map[string]func(*ticket) time.Time{
		"createdTimeRange":  func(t *ticket) time.Time { return t.CreatedTime.time() },
		"modifiedTimeRange": func(t *ticket) time.Time { return t.ModifiedTime.time() },
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
next:
	for _, t := range s.data.tickets {
		for name, get := range eq {
			if v := q.Get(name); v != "" && !strings.EqualFold(get(t), v) {
				continue next
			}
		}
		for name, get := range ranges {
			if v := q.Get(name); v != "" {
				from, to, _ := timeRange(v) // checked by the route's rule
				if at := get(t); at.Before(from) || at.After(to) {
					continue next
				}
			}
		}
		n++
	}
	return jsonReply(http.StatusOK, map[string]int{"count": n})
}

// skillsOf is the skillsInfo of t (schema skills_info_json): one language
// skill from the ticket's language, with IDs as numbers and the weight as a
// string, two of the loose shapes the spec allows.
func skillsOf(t *ticket) json.RawMessage {
	lang := t.Language
	if lang == "" {
		lang = "English"
	}
	b, _ := json.Marshal([]map[string]any{{
		"skillId": json.Number(fmt.Sprintf("18920000003790%02d", len(lang))), "skillName": lang,
		"skillTypeId": json.Number("1892000000364001"), "skillTypeName": "Language",
		"mappingType": "SYSTEM", "weightage": "5",
	}})
	return b
}
