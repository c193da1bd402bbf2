package desktest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// idBase makes record IDs 18 digits long, beyond float64's exact integers,
// as Desk's are: a client that decodes IDs as numbers loses precision.
const idBase uint64 = 189_200_000_000_000_000

type genSizes struct {
	tickets, contacts, accounts, departments, agents, lightAgents int
}

// dataset is the organisation's records. Server.mu guards it.
type dataset struct {
	orgID string
	org   organization

	departments []*department
	deptByID    map[string]*department
	agents      []*agent
	agentByID   map[string]*agent
	accounts    []*account
	accountByID map[string]*account
	contacts    []*contact
	contactByID map[string]*contact
	// tickets is in creation order (oldest first); trashed tickets leave it.
	tickets    []*ticket
	ticketByID map[string]*ticket
	trash      map[string]*ticket

	seq        uint64 // last ID issued
	ticketNo   int    // last ticket number issued
	portalName string
}

func (d *dataset) newID() string {
	d.seq += 1 + d.seq%7 // gaps, like real IDs
	return strconv.FormatUint(idBase+d.seq, 10)
}

var (
	firstNames = []string{"Lawrence", "Priya", "Chen", "Amara", "Jonas", "Sofia", "Kenji", "Fatima", "Diego", "Ingrid", "Omar", "Hannah", "Ravi", "Elena", "Kwame", "Mei", "Lucas", "Aisha", "Mateo", "Yuki"}
	lastNames  = []string{"Taylor", "Raman", "Wei", "Okafor", "Berg", "Rossi", "Sato", "Haddad", "Lopez", "Nilsen", "Farouk", "Schmidt", "Iyer", "Petrova", "Mensah", "Lin", "Moreau", "Khan", "Silva", "Tanaka"}
	companies  = []string{"Zylker", "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Gringotts", "Oscorp"}
	suffixes   = []string{"Inc", "Ltd", "GmbH", "Corp", "LLC", "Systems", "Labs", "Group"}
	industries = []string{"Technology", "Retail", "Finance", "Healthcare", "Education", "Manufacturing"}
	deptNames  = []string{"Support", "Sales", "Billing", "Onboarding", "Returns", "Partners", "Engineering", "Success"}
	subjects   = []string{"Unable to log in", "Refund for order #%d", "Invoice %d shows the wrong amount", "Export to CSV fails", "Password reset email never arrives", "Feature request: dark mode", "App crashes on start", "Shipping delay for order #%d", "How do I add a user?", "Error 500 on the dashboard", "Cancel my subscription", "Integration with CRM stopped syncing", "Duplicate charge on card", "Cannot attach files larger than %d MB", "Question about pricing"}
	statuses   = []struct{ status, typ string }{{"Open", "Open"}, {"Open", "Open"}, {"On Hold", "On Hold"}, {"Escalated", "Open"}, {"Closed", "Closed"}, {"Closed", "Closed"}, {"Closed", "Closed"}}
	priorities = []string{"High", "Medium", "Low"}
	channels   = []string{"Email", "Email", "Email", "Phone", "Web", "Chat", "Twitter", "Facebook"}
	categories = []string{"General", "Defects", "Billing", "Account"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func msTime(t time.Time) deskTime { return deskTime(t.UTC().Truncate(time.Millisecond)) }

// generate builds the organisation deterministically from seed, with every
// record created before now.
func generate(n genSizes, seed uint64, now time.Time, ed credits.Edition) *dataset {
	r := rand.New(rand.NewPCG(seed, 0x6465736b)) // "desk"
	d := &dataset{
		deptByID: map[string]*department{}, agentByID: map[string]*agent{},
		accountByID: map[string]*account{}, contactByID: map[string]*contact{},
		ticketByID: map[string]*ticket{}, trash: map[string]*ticket{},
	}
	orgNum := 60_000_000_000 + r.Int64N(9_000_000_000)
	d.orgID = strconv.FormatInt(orgNum, 10)
	company := pick(r, companies) + " " + pick(r, suffixes)
	d.portalName = strings.ToLower(strings.Fields(company)[0]) + "desk"
	d.org = organization{
		ID: orgNum, CompanyName: company, PortalName: d.portalName,
		PortalURL: "https://desk.zoho.com/portal/" + d.portalName, Edition: strings.ToUpper(ed.String()),
		IsDefault: true, IsAdminInOrg: true, EmployeeCount: strconv.Itoa(50 + r.IntN(950)),
		CurrencyLocale: "US", CurrencyCode: "USD", CurrencySymbol: "$", TimeZone: "UTC",
		Website: "https://www." + d.portalName + ".example", PhoneNumber: fmt.Sprintf("+1 555 %04d", r.IntN(10000)),
		PrimaryContact: "admin@" + d.portalName + ".example", City: "Austin", Country: "United States",
	}
	start := now.AddDate(-2, 0, 0)
	span := now.Sub(start)
	at := func() time.Time { return start.Add(time.Duration(r.Int64N(int64(span)))) }

	for i := range n.departments {
		dp := &department{ID: d.newID(), Name: deptNames[i%len(deptNames)], IsEnabled: true, IsDefault: i == 0,
			IsVisibleInCustomerPortal: true, ChatStatus: "AVAILABLE", CreatedTime: msTime(start.Add(-time.Duration(n.departments-i) * time.Hour))}
		if i >= len(deptNames) {
			dp.Name += " " + strconv.Itoa(i/len(deptNames)+1)
		}
		dp.NameInCustomerPortal = dp.Name
		dp.SanitizedName = strings.ToLower(strings.ReplaceAll(dp.Name, " ", "-"))
		d.departments = append(d.departments, dp)
		d.deptByID[dp.ID] = dp
	}
	for i := range n.agents + n.lightAgents {
		fn, ln := pick(r, firstNames), pick(r, lastNames)
		ag := &agent{ID: d.newID(), ZUID: strconv.FormatInt(700_000_000+r.Int64N(99_999_999), 10),
			FirstName: fn, LastName: ln, Name: fn + " " + ln,
			EmailID: fmt.Sprintf("%s.%s%d@%s.example", strings.ToLower(fn), strings.ToLower(ln), i, d.portalName),
			Status:  "ACTIVE", RoleID: d.newID(), ProfileID: d.newID(), RolePermissionType: "Agent",
			IsConfirmed: true, IsLightAgent: i >= n.agents, LangCode: "en_US", TimeZone: "UTC",
			ChannelExpert: []string{"Email", "Phone"}}
		if i == 0 {
			ag.RolePermissionType = "Admin"
		}
		for _, dp := range d.departments {
			if i == 0 || r.IntN(3) > 0 {
				ag.AssociatedDepartmentIDs = append(ag.AssociatedDepartmentIDs, dp.ID)
			}
		}
		if len(ag.AssociatedDepartmentIDs) == 0 {
			ag.AssociatedDepartmentIDs = []string{d.departments[0].ID}
		}
		d.agents = append(d.agents, ag)
		d.agentByID[ag.ID] = ag
	}
	for i := range n.accounts {
		created := at()
		name := fmt.Sprintf("%s %s %d", pick(r, companies), pick(r, suffixes), i+1)
		ac := &account{ID: d.newID(), AccountName: name, Industry: strp(pick(r, industries)),
			Website: strp("https://" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example"),
			Phone:   strp(fmt.Sprintf("+1 555 %04d", r.IntN(10000))), Country: strp("United States"),
			OwnerID: strp(d.agents[r.IntN(n.agents)].ID), CreatedTime: msTime(created), ModifiedTime: msTime(created),
			CF: map[string]any{"cf_tier": pick(r, []string{"Gold", "Silver", "Bronze"})}}
		ac.WebURL = d.webURL("Accounts", ac.ID)
		d.accounts = append(d.accounts, ac)
		d.accountByID[ac.ID] = ac
	}
	for i := range n.contacts {
		created := at()
		fn, ln := pick(r, firstNames), pick(r, lastNames)
		ct := &contact{ID: d.newID(), FirstName: strp(fn), LastName: ln,
			Email: strp(fmt.Sprintf("%s.%s%d@customer.example", strings.ToLower(fn), strings.ToLower(ln), i)),
			Phone: strp(fmt.Sprintf("+1 555 %04d", r.IntN(10000))), Type: strp("Customer"),
			OwnerID: strp(d.agents[r.IntN(n.agents)].ID), CreatedTime: msTime(created), ModifiedTime: msTime(created),
			CF: map[string]any{"cf_vip": r.IntN(10) == 0}}
		if len(d.accounts) > 0 && r.IntN(4) > 0 {
			ct.AccountID = strp(pick(r, d.accounts).ID)
		}
		ct.WebURL = d.webURL("Contacts", ct.ID)
		d.contacts = append(d.contacts, ct)
		d.contactByID[ct.ID] = ct
	}
	// Tickets are generated in creation order, so that the default listing
	// order (createdTime ascending) is the slice's order.
	created := make([]time.Time, n.tickets)
	for i := range created {
		created[i] = at()
	}
	sortTimes(created)
	for i := range n.tickets {
		d.tickets = append(d.tickets, d.genTicket(r, created[i], now, n.agents))
	}
	return d
}

func sortTimes(ts []time.Time) {
	// insertion sort is too slow for thousands; use the standard library.
	sortSlice(ts, func(a, b time.Time) int { return a.Compare(b) })
}

func (d *dataset) webURL(module, id string) string {
	return "https://desk.zoho.com/support/" + d.portalName + "/ShowHomePage.do#" + module + "/dv/" + id
}

func (d *dataset) genTicket(r *rand.Rand, created, now time.Time, agents int) *ticket {
	d.ticketNo++
	st := pick(r, statuses)
	subj := pick(r, subjects)
	if strings.Contains(subj, "%d") {
		subj = fmt.Sprintf(subj, 1000+r.IntN(90000))
	}
	t := &ticket{ID: d.newID(), TicketNumber: strconv.Itoa(100 + d.ticketNo), Subject: subj,
		Status: st.status, StatusType: st.typ, Channel: pick(r, channels), Language: "English",
		Category: strp(pick(r, categories)), DepartmentID: pick(r, d.departments).ID,
		CreatedTime: msTime(created), CF: map[string]any{"cf_order_id": strconv.Itoa(500000 + r.IntN(400000))}}
	if r.IntN(5) > 0 {
		t.Priority = strp(pick(r, priorities))
	}
	if len(d.contacts) > 0 {
		ct := pick(r, d.contacts)
		t.ContactID, t.Email, t.Phone, t.AccountID = ct.ID, ct.Email, ct.Phone, ct.AccountID
	} else {
		t.ContactID = d.newID()
	}
	if r.IntN(6) > 0 {
		t.AssigneeID = strp(d.agents[r.IntN(agents)].ID)
	}
	last := created
	nThreads := 1 + r.IntN(6)
	for j := range nThreads {
		when := last.Add(time.Duration(1+r.IntN(48*60)) * time.Minute)
		if when.After(now) {
			when = now
		}
		if j == 0 {
			when = created
		}
		last = when
		t.threads = append(t.threads, d.genThread(r, t, j, when))
	}
	if r.IntN(3) == 0 {
		when := last.Add(time.Duration(1+r.IntN(600)) * time.Minute)
		if when.After(now) {
			when = now
		}
		ag := d.agents[r.IntN(agents)]
		t.comments = append(t.comments, newComment(d.newID(), ag, "Internal note: checked the logs, see thread above.", false, when))
	}
	t.ThreadCount, t.CommentCount = numString(len(t.threads)), numString(len(t.comments))
	t.ModifiedTime = msTime(last)
	t.CustomerResponseTime = msTime(created)
	t.DueDate = msTime(created.Add(72 * time.Hour))
	t.IsOverDue = st.typ != "Closed" && t.DueDate.time().Before(now)
	if st.typ == "Closed" {
		t.ClosedTime = msTime(last)
	}
	t.WebURL = d.webURL("Cases", t.ID)
	d.ticketByID[t.ID] = t
	return t
}

func (d *dataset) genThread(r *rand.Rand, t *ticket, j int, when time.Time) *thread {
	in := j%2 == 0
	th := &thread{ID: d.newID(), Channel: strings.ToUpper(t.Channel), Status: "SUCCESS", Visibility: "public",
		ContentType: "text/html", CreatedTime: msTime(when), IsDescriptionThread: j == 0, CanReply: true}
	if in {
		th.Direction = "in"
		th.Author = threadAuthor{Name: "Customer", Email: deref(t.Email), Type: "END_USER"}
		th.FromEmailAddress = deref(t.Email)
		th.Summary = t.Subject + ": " + pick(r, []string{"it still happens after an update.", "please help, this is urgent.", "any news on this?", "attached a screenshot."})
	} else {
		ag := d.agents[r.IntN(len(d.agents))]
		th.Direction = "out"
		th.Author = threadAuthor{ID: strp(ag.ID), Name: ag.Name, Email: ag.EmailID, Type: "AGENT"}
		th.FromEmailAddress = "support@" + d.portalName + ".example"
		th.To = t.Email
		th.Summary = pick(r, []string{"Thanks for reaching out. We are looking into it.", "Could you send us the exact error message?", "This is fixed in the latest release.", "We have issued the refund."})
		th.RespondedIn = strp(fmt.Sprintf("%02d:%02d hrs", r.IntN(48), r.IntN(60)))
	}
	return th
}

func newComment(id string, ag *agent, content string, public bool, when time.Time) *comment {
	return &comment{ID: id, Content: content, ContentType: "plainText", IsPublic: public, CommenterID: ag.ID,
		Commenter: commenter{ID: ag.ID, FirstName: ag.FirstName, LastName: ag.LastName, Name: ag.Name,
			Email: ag.EmailID, RoleName: "Agent", Type: "AGENT"},
		CommentedTime: msTime(when), ModifiedTime: msTime(when), Attachments: []any{}, Mention: []any{}}
}
