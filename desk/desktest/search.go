package desktest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type searchBody[T any] struct {
	Data  []T `json:"data"`
	Count int `json:"count"`
}

// searchReply is {"data": [...], "count": total}, or 204 when nothing matched.
func searchReply[T any](items []T, total int) *reply {
	if len(items) == 0 {
		return emptyReply(http.StatusNoContent)
	}
	return jsonReply(http.StatusOK, searchBody[T]{Data: items, Count: total})
}

// timeRange parses Desk's "start,end" range of ISO-8601 instants.
func timeRange(v string) (from, to time.Time, ok bool) {
	a, b, found := strings.Cut(v, ",")
	if !found {
		return from, to, false
	}
	var err1, err2 error
	from, err1 = time.Parse(time.RFC3339, strings.TrimSpace(a))
	to, err2 = time.Parse(time.RFC3339, strings.TrimSpace(b))
	return from, to, err1 == nil && err2 == nil && !to.Before(from)
}

// wildMatch matches Desk's search values: "foo*" is a prefix, "*foo*" a
// substring, anything else a case-insensitive whole value.
func wildMatch(pattern, v string) bool {
	p := strings.ToLower(pattern)
	v = strings.ToLower(v)
	switch {
	case strings.HasPrefix(p, "*") && strings.HasSuffix(p, "*") && len(p) > 1:
		return strings.Contains(v, strings.Trim(p, "*"))
	case strings.HasSuffix(p, "*"):
		return strings.HasPrefix(v, strings.TrimSuffix(p, "*"))
	case strings.HasPrefix(p, "*"):
		return strings.HasSuffix(v, strings.TrimPrefix(p, "*"))
	}
	return v == p
}

// searchTickets is GET /tickets/search: field filters, time ranges
// ("createdTimeRange=start,end"), full text (_all); from <= 999.
func searchTickets(c *call) *reply {
	q := c.query
	type rng struct {
		from, to time.Time
		get      func(*ticket) time.Time
	}
	var ranges []rng
	for name, get := range map[string]func(*ticket) time.Time{
		"createdTimeRange":          func(t *ticket) time.Time { return t.CreatedTime.time() },
		"modifiedTimeRange":         func(t *ticket) time.Time { return t.ModifiedTime.time() },
		"dueDateRange":              func(t *ticket) time.Time { return t.DueDate.time() },
		"customerResponseTimeRange": func(t *ticket) time.Time { return t.CustomerResponseTime.time() },
	} {
		if v := q.Get(name); v != "" {
			from, to, ok := timeRange(v)
			if !ok {
				return unprocessable(name, "invalid", "The value must be two ISO-8601 instants separated by a comma, the first not after the second.")
			}
			ranges = append(ranges, rng{from, to, get})
		}
	}
	fieldOf := map[string]func(*ticket) string{
		"subject": func(t *ticket) string { return t.Subject }, "email": func(t *ticket) string { return deref(t.Email) },
		"status": func(t *ticket) string { return t.Status }, "priority": func(t *ticket) string { return deref(t.Priority) },
		"channel": func(t *ticket) string { return t.Channel }, "assigneeId": func(t *ticket) string { return deref(t.AssigneeID) },
		"contactId": func(t *ticket) string { return t.ContactID }, "accountId": func(t *ticket) string { return deref(t.AccountID) },
		"ticketNumber": func(t *ticket) string { return t.TicketNumber }, "category": func(t *ticket) string { return deref(t.Category) },
		"departmentId": func(t *ticket) string { return t.DepartmentID }, "id": func(t *ticket) string { return t.ID },
		"phone": func(t *ticket) string { return deref(t.Phone) }, "productId": func(t *ticket) string { return deref(t.ProductID) },
	}
	type cond struct {
		get  func(*ticket) string
		vals []string
	}
	var conds []cond
	for name, get := range fieldOf {
		if v := q.Get(name); v != "" {
			conds = append(conds, cond{get, splitList(v)})
		}
	}
	for i := 1; i <= 10; i++ {
		name := "customField" + strconv.Itoa(i)
		v := q.Get(name)
		if v == "" {
			continue
		}
		field, want, ok := strings.Cut(v, ":")
		if !ok || field == "" || len(v) > 1000 {
			return unprocessable(name, "invalid", "The value must be a field's API name and the value to search, separated by a colon (cf_modelname:F3*).")
		}
		conds = append(conds, cond{func(t *ticket) string { return cfString(t.CF[field]) }, []string{want}})
	}
	all := strings.ToLower(strings.Trim(q.Get("_all"), "*"))
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []*ticket
next:
	for _, t := range s.data.tickets {
		for _, r := range ranges {
			if tt := r.get(t); tt.IsZero() || tt.Before(r.from) || tt.After(r.to) {
				continue next
			}
		}
		for _, cd := range conds {
			v, ok := cd.get(t), false
			for _, p := range cd.vals {
				if emptyCheck(p, v) || wildMatch(p, v) {
					ok = true
					break
				}
			}
			if !ok {
				continue next
			}
		}
		if all != "" && !strings.Contains(strings.ToLower(t.Subject+" "+firstSummary(t)), all) {
			continue
		}
		hits = append(hits, t)
	}
	sortBy := q.Get("sortBy")
	if sortBy == "relevance" {
		sortBy = ""
	}
	hits, ok := sortTickets(hits, sortBy, true)
	if !ok {
		return unprocessable("sortBy", "invalid", "The value must be relevance, createdTime, modifiedTime, dueDate or customerResponseTime, optionally prefixed with -.")
	}
	out := page(q, hits, func(t *ticket) ticket { return s.ticketView(t, false, nil) })
	return searchReply(out, len(hits))
}

// searchAll is GET /search (doSearch): searchStr over tickets, contacts and
// accounts (module narrows it; the fake has no tasks, so module=tasks finds
// nothing; no searchStr matches every record); each result carries
// "module". With a module the count is a number, without one an object of
// counts per module, as Search.json's doSearchResponse sends.
func searchAll(c *call) *reply {
	q := c.query
	str := strings.ToLower(strings.Trim(q.Get("searchStr"), "*"))
	module := q.Get("module")
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	type hit struct {
		module string
		v      any
	}
	var hits []hit
	if module == "" || module == "tickets" {
		for _, t := range s.data.tickets {
			if strings.Contains(strings.ToLower(t.Subject+" "+t.TicketNumber), str) {
				hits = append(hits, hit{"tickets", t})
			}
		}
	}
	if module == "" || module == "contacts" {
		for _, ct := range s.data.contacts {
			if strings.Contains(strings.ToLower(deref(ct.FirstName)+" "+ct.LastName+" "+deref(ct.Email)), str) {
				hits = append(hits, hit{"contacts", ct})
			}
		}
	}
	if module == "" || module == "accounts" {
		for _, a := range s.data.accounts {
			if strings.Contains(strings.ToLower(a.AccountName), str) {
				hits = append(hits, hit{"accounts", a})
			}
		}
	}
	lo, hi := pageBounds(q, len(hits), defaultLimit)
	out := make([]any, 0, hi-lo)
	for _, h := range hits[lo:hi] {
		switch v := h.v.(type) {
		case *ticket:
			out = append(out, struct {
				ticket
				Module string `json:"module"`
			}{s.ticketView(v, false, nil), h.module})
		case *contact:
			out = append(out, struct {
				contact
				Module string `json:"module"`
			}{*v, h.module})
		case *account:
			out = append(out, struct {
				account
				Module string `json:"module"`
			}{*v, h.module})
		}
	}
	if module != "" {
		return searchReply(out, len(hits))
	}
	if len(out) == 0 {
		return emptyReply(http.StatusNoContent)
	}
	counts := map[string]int{"tickets": 0, "contacts": 0, "accounts": 0}
	for _, h := range hits {
		counts[h.module]++
	}
	return jsonReply(http.StatusOK, struct {
		Data  []any          `json:"data"`
		Count map[string]int `json:"count"`
	}{out, counts})
}

// emptyCheck is Desk's ${empty} and ${notempty} search values.
func emptyCheck(pattern, v string) bool {
	switch pattern {
	case "${empty}":
		return v == ""
	case "${notempty}":
		return v != ""
	}
	return false
}

// cfString is a custom field's value as the search compares it; "" when
// unset.
func cfString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
