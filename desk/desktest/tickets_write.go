package desktest

import (
	"net/http"
	"strconv"
	"strings"
)

var ticketStatuses = map[string]string{"Open": "Open", "On Hold": "On Hold", "Escalated": "Open", "Closed": "Closed"}

var ticketFields = map[string]fieldSpec{
	"subject": {kind: 's'}, "departmentId": {kind: 'i'}, "contactId": {kind: 'i'},
	"status":     {kind: 'e', enum: []string{"Open", "On Hold", "Escalated", "Closed"}},
	"priority":   {kind: 'e', enum: []string{"High", "Medium", "Low"}, nullable: true},
	"channel":    {kind: 'e', enum: []string{"Email", "Phone", "Web", "Chat", "Twitter", "Facebook", "Forums", "Feedback Widget"}},
	"assigneeId": {kind: 'i', nullable: true}, "email": {kind: 's', nullable: true}, "phone": {kind: 's', nullable: true},
	"description": {kind: 's', nullable: true}, "category": {kind: 's', nullable: true}, "subCategory": {kind: 's', nullable: true},
	"classification": {kind: 's', nullable: true}, "language": {kind: 's'}, "dueDate": {kind: 't', nullable: true},
	"productId": {kind: 'i', nullable: true}, "teamId": {kind: 'i', nullable: true}, "accountId": {kind: 'i', nullable: true},
	"cf": {kind: 'm'},
}

// checkRefs validates the IDs a ticket body refers to. s.mu must be held.
func (s *Server) checkTicketRefs(m map[string]any) []fieldError {
	var errs []fieldError
	d := s.data
	if v, ok := m["departmentId"]; ok && v != nil && d.deptByID[idOf(v)] == nil {
		errs = append(errs, fieldError{FieldName: "/departmentId", ErrorType: "invalid", ErrorMessage: "No department with this ID."})
	}
	if v, ok := m["contactId"]; ok && v != nil && d.contactByID[idOf(v)] == nil {
		errs = append(errs, fieldError{FieldName: "/contactId", ErrorType: "invalid", ErrorMessage: "No contact with this ID."})
	}
	if v, ok := m["assigneeId"]; ok && v != nil && d.agentByID[idOf(v)] == nil {
		errs = append(errs, fieldError{FieldName: "/assigneeId", ErrorType: "invalid", ErrorMessage: "No agent with this ID."})
	}
	if v, ok := m["accountId"]; ok && v != nil && d.accountByID[idOf(v)] == nil {
		errs = append(errs, fieldError{FieldName: "/accountId", ErrorType: "invalid", ErrorMessage: "No account with this ID."})
	}
	return errs
}

// applyTicket writes the body's fields into t. The body has been checked.
func (s *Server) applyTicket(t *ticket, m map[string]any, c *call) {
	for k, v := range m {
		switch k {
		case "subject":
			t.Subject = strOf(v)
		case "departmentId":
			t.DepartmentID = idOf(v)
		case "contactId":
			t.ContactID = idOf(v)
			if ct := s.data.contactByID[t.ContactID]; ct != nil {
				if _, ok := m["email"]; !ok {
					t.Email = ct.Email
				}
				if _, ok := m["accountId"]; !ok {
					t.AccountID = ct.AccountID
				}
			}
		case "status":
			t.Status = strOf(v)
			t.StatusType = ticketStatuses[t.Status]
			if t.StatusType == "Closed" {
				t.ClosedTime = msTime(c.now)
			} else {
				t.ClosedTime = deskTime{}
			}
		case "priority":
			t.Priority = optStr(v)
		case "channel":
			t.Channel = strOf(v)
		case "assigneeId":
			t.AssigneeID = optStr(idOf(v))
			if v == nil {
				t.AssigneeID = nil
			}
		case "email":
			t.Email = optStr(v)
		case "phone":
			t.Phone = optStr(v)
		case "description":
			t.Description = optStr(v)
		case "category":
			t.Category = optStr(v)
		case "subCategory":
			t.SubCategory = optStr(v)
		case "classification":
			t.Classification = optStr(v)
		case "language":
			t.Language = strOf(v)
		case "dueDate":
			t.DueDate = timeOf(v)
		case "productId":
			t.ProductID = optStr(v)
		case "teamId":
			t.TeamID = optStr(v)
		case "accountId":
			t.AccountID = optStr(v)
		case "cf":
			t.CF = mergeCF(t.CF, v)
		}
	}
	t.ModifiedTime = msTime(c.now)
}

// createTicket is POST /tickets.
func createTicket(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, ticketFields, "subject", "departmentId", "contactId"); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if errs := s.checkTicketRefs(m); errs != nil {
		return invalidData(errs...)
	}
	d := s.data
	d.ticketNo++
	t := &ticket{ID: d.newID(), TicketNumber: strconv.Itoa(100 + d.ticketNo), Status: "Open", StatusType: "Open",
		Channel: "Email", Language: "English", CreatedTime: msTime(c.now), CustomerResponseTime: msTime(c.now),
		CF: map[string]any{}}
	s.applyTicket(t, m, c)
	t.WebURL = d.webURL("Cases", t.ID)
	th := &thread{ID: d.newID(), Channel: strings.ToUpper(t.Channel), Status: "SUCCESS", Direction: "in",
		Visibility: "public", Summary: t.Subject, ContentType: "text/html", CreatedTime: msTime(c.now),
		IsDescriptionThread: true, CanReply: true, FromEmailAddress: deref(t.Email),
		Author: threadAuthor{Name: "Customer", Email: deref(t.Email), Type: "END_USER"}}
	t.threads = []*thread{th}
	t.ThreadCount = 1
	d.tickets = append(d.tickets, t)
	d.ticketByID[t.ID] = t
	return jsonReply(http.StatusOK, s.ticketView(t, true, nil))
}

// updateTicket is PATCH /tickets/{id}.
func updateTicket(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, ticketFields); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.data.ticketByID[c.params[0]]
	if t == nil {
		return notFoundURL()
	}
	if errs := s.checkTicketRefs(m); errs != nil {
		return invalidData(errs...)
	}
	s.applyTicket(t, m, c)
	return jsonReply(http.StatusOK, s.ticketView(t, true, nil))
}

// maxBulk is the most IDs a bulk ticket call accepts.
const maxBulk = 50

// bulkIDs reads the array field of a bulk body, checking 1..maxBulk IDs.
func bulkIDs(m map[string]any, field string) ([]string, *reply) {
	ids, ok := idList(m[field])
	switch {
	case !ok:
		return nil, invalidData(fieldError{FieldName: "/" + field, ErrorType: "invalid", ErrorMessage: "The value must be an array of IDs."})
	case len(ids) == 0:
		return nil, invalidData(fieldError{FieldName: "/" + field, ErrorType: "missing", ErrorMessage: "At least one ID is required."})
	case len(ids) > maxBulk:
		return nil, invalidData(fieldError{FieldName: "/" + field, ErrorType: "invalid", ErrorMessage: "At most 50 IDs are allowed."})
	}
	return ids, nil
}

// trashTickets is POST /tickets/moveToTrash {"ticketIds": [...]}: 204.
func trashTickets(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	ids, bad := bulkIDs(m, "ticketIds")
	if bad != nil {
		return bad
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.data
	var errs []fieldError
	for _, id := range ids {
		if d.ticketByID[id] == nil {
			errs = append(errs, fieldError{FieldName: "/ticketIds/" + id, ErrorType: "invalid", ErrorMessage: "No ticket with this ID."})
		}
	}
	if errs != nil {
		return invalidData(errs...)
	}
	gone := map[string]bool{}
	for _, id := range ids {
		t := d.ticketByID[id]
		t.trashed = true
		d.trash[id] = t
		delete(d.ticketByID, id)
		gone[id] = true
	}
	keep := d.tickets[:0]
	for _, t := range d.tickets {
		if !gone[t.ID] {
			keep = append(keep, t)
		}
	}
	clear(d.tickets[len(keep):])
	d.tickets = keep
	return emptyReply(http.StatusNoContent)
}

// updateManyTickets is POST /tickets/updateMany {"ids", "fieldName",
// "fieldValue", "isCustomField"}: 204.
func updateManyTickets(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	ids, bad := bulkIDs(m, "ids")
	if bad != nil {
		return bad
	}
	name := strOf(m["fieldName"])
	if name == "" {
		return invalidData(fieldError{FieldName: "/fieldName", ErrorType: "missing"})
	}
	value := m["fieldValue"]
	isCF, _ := m["isCustomField"].(bool)
	var patch map[string]any
	if isCF {
		patch = map[string]any{"cf": map[string]any{name: value}}
	} else {
		patch = map[string]any{name: value}
	}
	for k := range m {
		if k != "ids" && k != "fieldName" && k != "fieldValue" && k != "isCustomField" {
			return invalidData(fieldError{FieldName: "/" + k, ErrorType: "invalid", ErrorMessage: "An extra parameter is found"})
		}
	}
	if errs := checkFields(patch, ticketFields); errs != nil {
		for i := range errs {
			errs[i].FieldName = "/fieldValue"
		}
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if errs := s.checkTicketRefs(patch); errs != nil {
		return invalidData(errs...)
	}
	for _, id := range ids {
		if s.data.ticketByID[id] == nil {
			return invalidData(fieldError{FieldName: "/ids/" + id, ErrorType: "invalid", ErrorMessage: "No ticket with this ID."})
		}
	}
	for _, id := range ids {
		s.applyTicket(s.data.ticketByID[id], patch, c)
	}
	return emptyReply(http.StatusNoContent)
}

type massResult struct {
	Success bool         `json:"success"`
	ID      string       `json:"id"`
	Errors  []fieldError `json:"errors"`
}

// closeManyTickets is POST /closeTickets {"ids": [...]}: 200 with
// {"results": [{"success", "id", "errors"}]}, one per ID.
func closeManyTickets(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	ids, bad := bulkIDs(m, "ids")
	if bad != nil {
		return bad
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	res := make([]massResult, 0, len(ids))
	for _, id := range ids {
		t := s.data.ticketByID[id]
		if t == nil {
			res = append(res, massResult{ID: id, Errors: []fieldError{{FieldName: "id", ErrorType: "invalid", ErrorMessage: "No ticket with this ID."}}})
			continue
		}
		s.applyTicket(t, map[string]any{"status": "Closed"}, c)
		res = append(res, massResult{Success: true, ID: id})
	}
	return jsonReply(http.StatusOK, map[string]any{"results": res})
}
