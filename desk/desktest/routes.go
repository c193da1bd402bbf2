package desktest

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/go-zohodesk/zohodesk/internal/digits"
)

// route is one endpoint of the fake API.
type route struct {
	method string
	segs   []string // "{id}" marks a numeric path parameter
	noOrg  bool     // served without the orgId header
	params map[string]paramRule
	// records counts the records a bulk call acts on, for its price.
	records func(body []byte) int
	handle  func(*call) *reply
}

// routes is read-only after package initialisation (set up in init to
// break the initialisation cycle through the handlers).
var routes []*route

func init() {
	add := func(method, pattern string, params map[string]paramRule, h func(*call) *reply) *route {
		r := &route{method: method, segs: strings.Split(strings.Trim(pattern, "/"), "/"), params: params, handle: h}
		routes = append(routes, r)
		return r
	}
	listP := func(maxLimit int, extra ...string) map[string]paramRule {
		m := map[string]paramRule{"from": intRange(0, 1<<30), "limit": intRange(1, maxLimit)}
		for _, e := range extra {
			m[e] = anyValue
		}
		return m
	}
	withRule := func(m map[string]paramRule, name string, r paramRule) map[string]paramRule {
		m[name] = r
		return m
	}

	add("GET", "organizations", map[string]paramRule{}, listOrganizations).noOrg = true
	// includeCustomDomain: v1.0/Organization.json, getOrganization.
	add("GET", "organizations/{id}", map[string]paramRule{"includeCustomDomain": oneOf("true", "false")}, getOrganization).noOrg = true

	// The parameters below follow v1.0 of the official spec (zoho/zohodesk-oas),
	// one operation each: getTickets, getTicket, updateTicket, getTicketsByContact
	// (Ticket.json); getThreads, getThread, sendReply (Thread.json);
	// getTicketComments (TicketComment.json); getContacts, getContact
	// (Contact.json); getAgents, getAgent (Agent.json); searchTickets
	// (Search.json).
	tl := listP(100, "viewId", "assignee", "channel", "status", "fields", "priority", "filters")
	tl["sortBy"] = sortField("dueDate", "createdTime", "recentThread")
	tl["include"] = oneOf("contacts", "products", "departments", "team", "assignee")
	tl["receivedInDays"] = oneOf("15", "30", "90", "-1")
	tl["departmentId"] = numericIDs()
	tl["departmentIds"] = numericIDs()
	tl["teamIds"] = numericIDs()
	add("GET", "tickets", tl, listTickets)
	// getTicketsCount (TicketCount.json) counts by these six filters only.
	add("GET", "ticketsCount", map[string]paramRule{"departmentId": numericID(), "assigneeId": numericID(),
		"contactId": numericID(), "category": anyValue, "createdTimeRange": timeRangeRule(),
		"modifiedTimeRange": timeRangeRule()}, countTickets)
	sp := listP(100, "subject", "email", "status", "priority", "channel", "assigneeId", "contactId",
		"accountId", "ticketNumber", "_all", "category", "createdTimeRange", "modifiedTimeRange",
		"dueDateRange", "customerResponseTimeRange", "id", "contactName", "accountName", "phone",
		"productId", "productName", "description", "tag")
	for i := 1; i <= 10; i++ {
		sp["customField"+strconv.Itoa(i)] = anyValue
	}
	sp["sortBy"] = sortField("relevance", "modifiedTime", "createdTime", "customerResponseTime")
	sp["from"] = intRange(0, 999)
	sp["departmentId"] = numericIDs()
	add("GET", "tickets/search", sp, searchTickets)
	add("POST", "tickets/moveToTrash", map[string]paramRule{}, trashTickets).records = countIDs("ticketIds")
	add("POST", "tickets/updateMany", map[string]paramRule{}, updateManyTickets).records = countIDs("ids")
	add("POST", "closeTickets", map[string]paramRule{}, closeManyTickets).records = countIDs("ids")
	add("GET", "tickets/{id}", map[string]paramRule{"include": oneOf("contacts", "products", "assignee", "departments", "contract", "isRead", "team", "skills")}, getTicket)
	add("POST", "tickets", map[string]paramRule{}, createTicket)
	add("PATCH", "tickets/{id}", map[string]paramRule{"disableClosureNotification": oneOf("true", "false")}, updateTicket)

	// v1.0/Thread.json sets no maximum for the threads' limit; the fake
	// enforces 100, the maximum of the other ticket lists and the cap the
	// typed client validates, so nothing passes here that may fail on Desk.
	add("GET", "tickets/{id}/threads", withRule(listP(100), "sortBy", sortField("sendDateTime")), listThreads)
	add("GET", "tickets/{id}/threads/{id}", map[string]paramRule{"include": oneOf("plainText")}, getThread)
	add("POST", "tickets/{id}/sendReply", map[string]paramRule{"isPrivate": oneOf("true", "false"), "sendImmediately": oneOf("true", "false")}, sendReply)

	cl := withRule(listP(100), "sortBy", sortField("commentedTime"))
	cl["include"] = oneOf("mentions")
	add("GET", "tickets/{id}/comments", cl, listComments)
	add("POST", "tickets/{id}/comments", map[string]paramRule{}, createComment)
	add("PATCH", "tickets/{id}/comments/{id}", map[string]paramRule{}, updateComment)
	add("DELETE", "tickets/{id}/comments/{id}", map[string]paramRule{}, deleteComment)

	cs := withRule(listP(100, "viewId", "fields", "filterId"), "include", oneOf("accounts"))
	cs["sortBy"] = sortField("firstName", "lastName", "phone", "email", "account", "createdTime", "modifiedTime")
	add("GET", "contacts", cs, listContacts)
	add("GET", "contacts/{id}", map[string]paramRule{"include": oneOf("accounts", "owner")}, getContact)
	add("POST", "contacts", map[string]paramRule{}, createContact)
	add("PATCH", "contacts/{id}", map[string]paramRule{}, updateContact)
	ct := withRule(listP(100), "include", oneOf("products", "departments", "team", "assignee", "isRead"))
	ct["sortBy"] = sortField("createdTime", "modifiedTime")
	ct["departmentId"] = numericIDs()
	ct["isSpam"] = oneOf("true", "false")
	add("GET", "contacts/{id}/tickets", ct, contactTickets)

	// getAccounts (Account.json) has no include; filters is filter_json.
	as := listP(100, "fields", "filters")
	as["sortBy"] = sortField("website", "email", "phone", "accountName", "createdTime", "modifiedTime")
	as["viewId"] = numericIDs()
	as["filterId"] = numericIDs()
	add("GET", "accounts", as, listAccounts)
	add("GET", "accounts/{id}", map[string]paramRule{"include": oneOf("owner")}, getAccount)
	add("POST", "accounts", map[string]paramRule{}, createAccount)
	add("PATCH", "accounts/{id}", map[string]paramRule{}, updateAccount)

	al := withRule(listP(200, "searchStr", "cfSearchStr", "cfFieldName"), "status", oneOf("ACTIVE", "DISABLED", "DELETED", "IMPORTED"))
	al["include"] = oneOf("profile", "role")
	al["fieldName"] = oneOf("firstName", "lastName", "emailId", "name")
	al["sortOrder"] = oneOf("asc", "desc")
	al["rolePermissionType"] = oneOf("AgentPublic", "AgentPersonal", "AgentTeamPersonal", "Admin", "Custom", "Light", "${NON_LIGHT}")
	al["isLightAgent"] = oneOf("true", "false")
	al["isConfirmed"] = oneOf("true", "false")
	al["departmentIds"] = numericIDs()
	al["roleIds"] = numericIDs()
	al["profileIds"] = numericIDs()
	add("GET", "agents", al, listAgents)
	add("GET", "agents/{id}", map[string]paramRule{"include": oneOf("profile", "role", "associatedDepartments", "associatedChatDepartments", "verifiedEmails")}, getAgent)
	dl := listP(200, "searchStr")
	dl["isEnabled"] = oneOf("true", "false")
	dl["chatStatus"] = oneOf("AVAILABLE", "DISABLED", "NOT_CREATED", "${UNAVAILABLE}")
	add("GET", "departments", dl, listDepartments)
	add("GET", "departments/{id}", map[string]paramRule{}, getDepartment)

	// doSearch (Search.json): searchStr is optional (at most 100
	// characters), module is one of four, sortBy relevance or modifiedTime.
	gs := listP(100)
	gs["from"] = intRange(0, 4999)
	gs["searchStr"] = maxLen(100)
	gs["module"] = oneOf("tickets", "accounts", "contacts", "tasks")
	gs["sortBy"] = sortField("relevance", "modifiedTime")
	gs["departmentId"] = numericID()
	add("GET", "search", gs, searchAll)
}

// match finds the route for method and path (below the API root). When it
// finds none, methodOK tells whether the path exists for another method.
func match(method, path string) (rt *route, params []string, methodOK bool) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, nil, false
	}
	var segs [8]string
	parts := segs[:0]
	for p := range strings.SplitSeq(path, "/") {
		if len(parts) == len(segs) {
			return nil, nil, false
		}
		parts = append(parts, p)
	}
	var best *route
	bestLiterals := -1
	for _, r := range routes {
		if len(r.segs) != len(parts) {
			continue
		}
		literals, ok := 0, true
		for i, s := range r.segs {
			if s == "{id}" {
				if !digits.Only(parts[i]) {
					ok = false
					break
				}
				continue
			}
			if s != parts[i] {
				ok = false
				break
			}
			literals++
		}
		if !ok {
			continue
		}
		if r.method != method {
			methodOK = true
			continue
		}
		if literals > bestLiterals {
			best, bestLiterals = r, literals
		}
	}
	if best == nil {
		return nil, nil, methodOK
	}
	for i, s := range best.segs {
		if s == "{id}" {
			params = append(params, parts[i])
		}
	}
	return best, params, false
}

// countIDs returns a records function counting the IDs of a bulk body's
// array field.
func countIDs(field string) func([]byte) int {
	return func(body []byte) int {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return 0
		}
		var ids []json.RawMessage
		if json.Unmarshal(m[field], &ids) != nil {
			return 0
		}
		return len(ids)
	}
}
