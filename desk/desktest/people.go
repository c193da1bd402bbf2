package desktest

import (
	"net/http"
	"slices"
	"strings"
)

// listContacts is GET /contacts, in creation order.
func listContacts(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs, ok := sortRecords(s.data.contacts, c.query.Get("sortBy"), contactSortKeys, false)
	if !ok {
		return unprocessable("sortBy", "invalid", "The value must be one of firstName, lastName, phone, email, account, createdTime, modifiedTime, optionally prefixed with -.")
	}
	return fieldsReply(c.query, page(c.query, cs, value[contact]))
}

var contactSortKeys = map[string]func(a, b *contact) int{
	"createdTime":  func(a, b *contact) int { return a.CreatedTime.time().Compare(b.CreatedTime.time()) },
	"modifiedTime": func(a, b *contact) int { return a.ModifiedTime.time().Compare(b.ModifiedTime.time()) },
	"lastName":     func(a, b *contact) int { return strings.Compare(a.LastName, b.LastName) },
	"firstName":    func(a, b *contact) int { return strings.Compare(deref(a.FirstName), deref(b.FirstName)) },
	"email":        func(a, b *contact) int { return strings.Compare(deref(a.Email), deref(b.Email)) },
	"phone":        func(a, b *contact) int { return strings.Compare(deref(a.Phone), deref(b.Phone)) },
	"account":      func(a, b *contact) int { return strings.Compare(deref(a.AccountID), deref(b.AccountID)) },
}

// getContact is GET /contacts/{id}.
func getContact(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	ct := s.data.contactByID[c.params[0]]
	if ct == nil {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, *ct)
}

var contactFields = map[string]fieldSpec{
	"firstName": {kind: 's', nullable: true}, "lastName": {kind: 's'}, "email": {kind: 's', nullable: true},
	"secondaryEmail": {kind: 's', nullable: true}, "phone": {kind: 's', nullable: true}, "mobile": {kind: 's', nullable: true},
	"accountId": {kind: 'i', nullable: true}, "ownerId": {kind: 'i', nullable: true}, "type": {kind: 's', nullable: true},
	"title": {kind: 's', nullable: true}, "description": {kind: 's', nullable: true}, "street": {kind: 's', nullable: true},
	"city": {kind: 's', nullable: true}, "state": {kind: 's', nullable: true}, "country": {kind: 's', nullable: true},
	"zip": {kind: 'z', nullable: true}, "cf": {kind: 'm'}, "customFields": {kind: 'm'},
	"facebook": {kind: 's', nullable: true}, "twitter": {kind: 's', nullable: true},
	"language": {kind: 's', nullable: true}, "layoutId": {kind: 'i', nullable: true},
}

func (s *Server) applyContact(ct *contact, m map[string]any, c *call) []fieldError {
	d := s.data
	if v, ok := m["accountId"]; ok && v != nil && d.accountByID[idOf(v)] == nil {
		return []fieldError{{FieldName: "/accountId", ErrorType: "invalid", ErrorMessage: "No account with this ID."}}
	}
	if v, ok := m["ownerId"]; ok && v != nil && d.agentByID[idOf(v)] == nil {
		return []fieldError{{FieldName: "/ownerId", ErrorType: "invalid", ErrorMessage: "No agent with this ID."}}
	}
	for k, v := range m {
		p := optStr(v)
		switch k {
		case "firstName":
			ct.FirstName = p
		case "lastName":
			ct.LastName = strOf(v)
		case "email":
			ct.Email = p
		case "secondaryEmail":
			ct.SecondaryEmail = p
		case "phone":
			ct.Phone = p
		case "mobile":
			ct.Mobile = p
		case "accountId":
			ct.AccountID = p
		case "ownerId":
			ct.OwnerID = p
		case "type":
			ct.Type = p
		case "title":
			ct.Title = p
		case "description":
			ct.Description = p
		case "street":
			ct.Street = p
		case "city":
			ct.City = p
		case "state":
			ct.State = p
		case "country":
			ct.Country = p
		case "zip":
			ct.Zip = p
		case "facebook":
			ct.Facebook = p
		case "twitter":
			ct.Twitter = p
		case "language":
			ct.Language = p
		case "layoutId":
			ct.LayoutID = p
		case "cf", "customFields":
			ct.CF = mergeCF(ct.CF, v)
		}
	}
	ct.ModifiedTime = msTime(c.now)
	return nil
}

// createContact is POST /contacts; lastName is required.
func createContact(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, contactFields, "lastName"); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.data
	ct := &contact{ID: d.newID(), CreatedTime: msTime(c.now), CF: map[string]any{}}
	if errs := s.applyContact(ct, m, c); errs != nil {
		return invalidData(errs...)
	}
	ct.WebURL = d.webURL("Contacts", ct.ID)
	d.contacts = append(d.contacts, ct)
	d.contactByID[ct.ID] = ct
	return jsonReply(http.StatusOK, *ct)
}

// updateContact is PATCH /contacts/{id}.
func updateContact(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, contactFields); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.data.contactByID[c.params[0]]
	if ct == nil {
		return notFoundURL()
	}
	if v, ok := m["lastName"]; ok && strOf(v) == "" {
		return invalidData(fieldError{FieldName: "/lastName", ErrorType: "invalid", ErrorMessage: "The field lastName cannot be empty."})
	}
	if errs := s.applyContact(ct, m, c); errs != nil {
		return invalidData(errs...)
	}
	return jsonReply(http.StatusOK, *ct)
}

// contactTickets is GET /contacts/{id}/tickets.
func contactTickets(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.data.contactByID[c.params[0]] == nil {
		return notFoundURL()
	}
	f := ticketFilter{depts: splitList(c.query.Get("departmentId"))}
	var ts []*ticket
	for _, t := range s.data.tickets {
		if t.ContactID == c.params[0] && f.match(t) {
			ts = append(ts, t)
		}
	}
	ts, ok := sortTickets(ts, c.query.Get("sortBy"), true)
	if !ok {
		return unprocessable("sortBy", "invalid", "The value is not a sortable ticket field.")
	}
	include := splitList(c.query.Get("include"))
	return listReply(page(c.query, ts, func(t *ticket) ticket { return s.ticketView(t, false, include) }))
}

// listAccounts is GET /accounts, in creation order.
func listAccounts(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	as, ok := sortRecords(s.data.accounts, c.query.Get("sortBy"), accountSortKeys, false)
	if !ok {
		return unprocessable("sortBy", "invalid", "The value must be one of website, email, phone, accountName, createdTime, modifiedTime, optionally prefixed with -.")
	}
	return fieldsReply(c.query, page(c.query, as, value[account]))
}

var accountSortKeys = map[string]func(a, b *account) int{
	"createdTime":  func(a, b *account) int { return a.CreatedTime.time().Compare(b.CreatedTime.time()) },
	"modifiedTime": func(a, b *account) int { return a.ModifiedTime.time().Compare(b.ModifiedTime.time()) },
	"accountName":  func(a, b *account) int { return strings.Compare(a.AccountName, b.AccountName) },
	"website":      func(a, b *account) int { return strings.Compare(deref(a.Website), deref(b.Website)) },
	"email":        func(a, b *account) int { return strings.Compare(deref(a.Email), deref(b.Email)) },
	"phone":        func(a, b *account) int { return strings.Compare(deref(a.Phone), deref(b.Phone)) },
}

// getAccount is GET /accounts/{id}.
func getAccount(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.data.accountByID[c.params[0]]
	if a == nil {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, *a)
}

var accountFields = map[string]fieldSpec{
	"accountName": {kind: 's'}, "email": {kind: 's', nullable: true}, "website": {kind: 's', nullable: true},
	"phone": {kind: 's', nullable: true}, "fax": {kind: 's', nullable: true}, "industry": {kind: 's', nullable: true},
	"description": {kind: 's', nullable: true}, "code": {kind: 's', nullable: true}, "annualrevenue": {kind: 's', nullable: true},
	"street": {kind: 's', nullable: true}, "city": {kind: 's', nullable: true}, "state": {kind: 's', nullable: true},
	"country": {kind: 's', nullable: true}, "ownerId": {kind: 'i', nullable: true},
	"cf": {kind: 'm'},
}

func (s *Server) applyAccount(a *account, m map[string]any, c *call) []fieldError {
	if v, ok := m["ownerId"]; ok && v != nil && s.data.agentByID[idOf(v)] == nil {
		return []fieldError{{FieldName: "/ownerId", ErrorType: "invalid", ErrorMessage: "No agent with this ID."}}
	}
	for k, v := range m {
		p := optStr(v)
		switch k {
		case "accountName":
			a.AccountName = strOf(v)
		case "email":
			a.Email = p
		case "website":
			a.Website = p
		case "phone":
			a.Phone = p
		case "fax":
			a.Fax = p
		case "industry":
			a.Industry = p
		case "description":
			a.Description = p
		case "code":
			a.Code = p
		case "annualrevenue":
			a.AnnualRevenue = p
		case "street":
			a.Street = p
		case "city":
			a.City = p
		case "state":
			a.State = p
		case "country":
			a.Country = p
		case "ownerId":
			a.OwnerID = p
		case "cf":
			a.CF = mergeCF(a.CF, v)
		}
	}
	a.ModifiedTime = msTime(c.now)
	return nil
}

// createAccount is POST /accounts; accountName is required and unique.
func createAccount(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, accountFields, "accountName"); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.data
	if s.accountNamed(strOf(m["accountName"])) != nil {
		return invalidData(fieldError{FieldName: "/accountName", ErrorType: "duplicate", ErrorMessage: "An account with this name exists."})
	}
	a := &account{ID: d.newID(), CreatedTime: msTime(c.now), CF: map[string]any{}}
	if errs := s.applyAccount(a, m, c); errs != nil {
		return invalidData(errs...)
	}
	a.WebURL = d.webURL("Accounts", a.ID)
	d.accounts = append(d.accounts, a)
	d.accountByID[a.ID] = a
	return jsonReply(http.StatusOK, *a)
}

func (s *Server) accountNamed(name string) *account {
	for _, a := range s.data.accounts {
		if strings.EqualFold(a.AccountName, name) {
			return a
		}
	}
	return nil
}

// updateAccount is PATCH /accounts/{id}.
func updateAccount(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, accountFields); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.data.accountByID[c.params[0]]
	if a == nil {
		return notFoundURL()
	}
	if v, ok := m["accountName"]; ok {
		if other := s.accountNamed(strOf(v)); strOf(v) == "" || (other != nil && other != a) {
			return invalidData(fieldError{FieldName: "/accountName", ErrorType: "duplicate", ErrorMessage: "The name is empty or taken."})
		}
	}
	if errs := s.applyAccount(a, m, c); errs != nil {
		return invalidData(errs...)
	}
	return jsonReply(http.StatusOK, *a)
}

// listAgents is GET /agents (status, departmentIds, searchStr,
// isLightAgent filters).
func listAgents(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	status := c.query.Get("status")
	depts := splitList(c.query.Get("departmentIds"))
	search := lowerTrim(strings.Trim(c.query.Get("searchStr"), "*"))
	light := c.query.Get("isLightAgent")
	confirmed := c.query.Get("isConfirmed")
	roles := splitList(c.query.Get("roleIds"))
	profiles := splitList(c.query.Get("profileIds"))
	perm := c.query.Get("rolePermissionType")
	searchIn := func(ag *agent) string { return ag.Name + " " + ag.EmailID }
	switch c.query.Get("fieldName") {
	case "firstName":
		searchIn = func(ag *agent) string { return ag.FirstName }
	case "lastName":
		searchIn = func(ag *agent) string { return ag.LastName }
	case "name":
		searchIn = func(ag *agent) string { return ag.Name }
	case "emailId":
		searchIn = func(ag *agent) string { return ag.EmailID }
	}
	// The fake agents have no custom fields: a custom field search matches
	// none of them, as it would in an org without that field's values.
	if (c.query.Get("cfFieldName") == "") != (c.query.Get("cfSearchStr") == "") {
		return unprocessable("cfFieldName", "invalid", "cfFieldName and cfSearchStr must be given together.")
	}
	cfSearch := c.query.Get("cfFieldName") != ""
	var out []agent
	for _, ag := range s.data.agents {
		if status != "" && ag.Status != status {
			continue
		}
		if light != "" && (light == "true") != ag.IsLightAgent {
			continue
		}
		if confirmed != "" && (confirmed == "true") != ag.IsConfirmed {
			continue
		}
		if depts != nil && !anyIn(ag.AssociatedDepartmentIDs, depts) {
			continue
		}
		if roles != nil && !slices.Contains(roles, ag.RoleID) || profiles != nil && !slices.Contains(profiles, ag.ProfileID) {
			continue
		}
		if perm == "${NON_LIGHT}" && ag.IsLightAgent || perm != "" && perm != "${NON_LIGHT}" && ag.RolePermissionType != perm {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(searchIn(ag)), search) {
			continue
		}
		if cfSearch {
			continue
		}
		out = append(out, *ag)
	}
	if c.query.Get("sortOrder") != "" {
		slices.SortStableFunc(out, func(a, b agent) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
		if c.query.Get("sortOrder") == "desc" {
			slices.Reverse(out)
		}
	}
	lo, hi := pageBounds(c.query, len(out), defaultLimit)
	return listReply(out[lo:hi])
}

func anyIn(have, want []string) bool {
	for _, w := range want {
		if containsFold(have, w) {
			return true
		}
	}
	return false
}

// getAgent is GET /agents/{id}.
func getAgent(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	ag := s.data.agentByID[c.params[0]]
	if ag == nil {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, *ag)
}

// listDepartments is GET /departments.
func listDepartments(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	enabled := c.query.Get("isEnabled")
	chat := c.query.Get("chatStatus")
	search := lowerTrim(strings.Trim(c.query.Get("searchStr"), "*"))
	var out []department
	for _, dp := range s.data.departments {
		if enabled != "" && (enabled == "true") != dp.IsEnabled {
			continue
		}
		if chat == "${UNAVAILABLE}" && dp.ChatStatus == "AVAILABLE" || chat != "" && chat != "${UNAVAILABLE}" && dp.ChatStatus != chat {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(dp.Name), search) {
			continue
		}
		out = append(out, *dp)
	}
	lo, hi := pageBounds(c.query, len(out), defaultLimit)
	return listReply(out[lo:hi])
}

// getDepartment is GET /departments/{id}.
func getDepartment(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	dp := s.data.deptByID[c.params[0]]
	if dp == nil {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, *dp)
}

// listOrganizations is GET /organizations (no orgId header).
func listOrganizations(c *call) *reply {
	return jsonReply(http.StatusOK, listBody[organization]{Data: []organization{c.s.data.org}})
}

// getOrganization is GET /organizations/{id} (no orgId header).
func getOrganization(c *call) *reply {
	if c.params[0] != c.s.data.orgID {
		return notFoundURL()
	}
	return jsonReply(http.StatusOK, c.s.data.org)
}
