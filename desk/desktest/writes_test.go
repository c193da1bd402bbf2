package desktest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
)

// ids returns the first n IDs of a list endpoint.
func ids(t *testing.T, s *Server, path string, n int) []string {
	t.Helper()
	r := do(t, s, "GET", path+"?limit="+strconv.Itoa(n), "")
	var page struct{ Data []struct{ ID string } }
	r.json(t, &page)
	var out []string
	for _, d := range page.Data {
		out = append(out, d.ID)
	}
	if len(out) < n {
		t.Fatalf("%s: %d records", path, len(out))
	}
	return out
}

func TestWrites(t *testing.T) {
	s, _ := newFake(t, Options{Tickets: 120})
	tk := ids(t, s, "/tickets", 5)
	ct := ids(t, s, "/contacts", 1)[0]
	dp := ids(t, s, "/departments", 1)[0]
	ag := ids(t, s, "/agents", 1)[0]
	var comment string

	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantCode   string
		weight     string
		check      func(t *testing.T, r result)
	}{
		{"create ticket", "POST", "/tickets", `{"subject":"Printer on fire","departmentId":"` + dp + `","contactId":"` + ct + `","priority":"High","cf":{"cf_order_id":"42"}}`, 200, "", "1",
			func(t *testing.T, r result) {
				var v map[string]any
				r.json(t, &v)
				if v["subject"] != "Printer on fire" || v["status"] != "Open" || v["threadCount"] != "1" || v["cf"].(map[string]any)["cf_order_id"] != "42" {
					t.Errorf("created %v", v)
				}
			}},
		{"create ticket missing fields", "POST", "/tickets", `{"subject":"x"}`, 422, "INVALID_DATA", "1",
			func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), `"fieldName":"/departmentId","errorType":"missing"`) {
					t.Errorf("errors %s", r.body)
				}
			}},
		{"create ticket unknown department", "POST", "/tickets", `{"subject":"x","departmentId":"1","contactId":"` + ct + `"}`, 422, "INVALID_DATA", "1", nil},
		{"create ticket extra field", "POST", "/tickets", `{"subject":"x","departmentId":"` + dp + `","contactId":"` + ct + `","colour":"red"}`, 422, "INVALID_DATA", "1", nil},
		{"create ticket bad json", "POST", "/tickets", `{"subject":`, 422, "INVALID_DATA", "1", nil},
		{"update ticket", "PATCH", "/tickets/" + tk[0], `{"status":"Closed","assigneeId":"` + ag + `"}`, 200, "", "1",
			func(t *testing.T, r result) {
				var v map[string]any
				r.json(t, &v)
				if v["status"] != "Closed" || v["statusType"] != "Closed" || v["assigneeId"] != ag || v["closedTime"] == nil {
					t.Errorf("updated %v", v)
				}
			}},
		{"update ticket bad status", "PATCH", "/tickets/" + tk[0], `{"status":"Done"}`, 422, "INVALID_DATA", "1", nil},
		{"update missing ticket", "PATCH", "/tickets/1", `{"status":"Open"}`, 404, "URL_NOT_FOUND", "1", nil},
		{"update many", "POST", "/tickets/updateMany", `{"ids":["` + tk[1] + `","` + tk[2] + `"],"fieldName":"priority","fieldValue":"Low"}`, 204, "", "25", nil},
		{"update many bad value", "POST", "/tickets/updateMany", `{"ids":["` + tk[1] + `"],"fieldName":"priority","fieldValue":"Urgent"}`, 422, "INVALID_DATA", "25", nil},
		{"close many", "POST", "/closeTickets", `{"ids":["` + tk[1] + `","1"]}`, 200, "", "1",
			func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), `{"success":true,"id":"`+tk[1]+`"`) || !strings.Contains(string(r.body), `"success":false`) {
					t.Errorf("results %s", r.body)
				}
			}},
		{"move to trash", "POST", "/tickets/moveToTrash", `{"ticketIds":["` + tk[3] + `","` + tk[4] + `"]}`, 204, "", "12", nil},
		{"trashed is gone", "GET", "/tickets/" + tk[3], "", 404, "URL_NOT_FOUND", "1", nil},
		{"trash empty list", "POST", "/tickets/moveToTrash", `{"ticketIds":[]}`, 422, "INVALID_DATA", "6", nil},
		{"count", "GET", "/ticketsCount?createdTimeRange=2000-01-01T00:00:00.000Z,2100-01-01T00:00:00.000Z", "", 200, "", "50",
			func(t *testing.T, r result) {
				var v struct{ Count int }
				r.json(t, &v)
				if v.Count < 2 {
					t.Errorf("count %d", v.Count)
				}
			}},
		{"send reply", "POST", "/tickets/" + tk[0] + "/sendReply", `{"channel":"EMAIL","content":"Fixed.","to":"a@b.example"}`, 200, "", "1",
			func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), `"direction":"out"`) {
					t.Errorf("thread %s", r.body)
				}
			}},
		{"send reply without content", "POST", "/tickets/" + tk[0] + "/sendReply", `{"channel":"EMAIL"}`, 422, "INVALID_DATA", "1", nil},
		{"threads", "GET", "/tickets/" + tk[0] + "/threads?limit=1", "", 200, "", "3",
			func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), `"summary":"Fixed."`) {
					t.Errorf("newest thread first: %s", r.body)
				}
			}},
		{"create comment", "POST", "/tickets/" + tk[0] + "/comments", `{"content":"note","isPublic":false}`, 200, "", "1",
			func(t *testing.T, r result) {
				var v struct{ ID string }
				r.json(t, &v)
				comment = v.ID
			}},
		{"comments", "GET", "/tickets/" + tk[0] + "/comments", "", 200, "", "3", nil},
		{"create contact", "POST", "/contacts", `{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com"}`, 200, "", "1", nil},
		{"create contact no last name", "POST", "/contacts", `{"firstName":"Ada"}`, 422, "INVALID_DATA", "1", nil},
		{"update contact", "PATCH", "/contacts/" + ct, `{"title":"CTO"}`, 200, "", "1", nil},
		{"contact tickets", "GET", "/contacts/" + ct + "/tickets", "", 200, "", "3", nil},
		{"create account", "POST", "/accounts", `{"accountName":"Analytical Engines"}`, 200, "", "1", nil},
		{"duplicate account", "POST", "/accounts", `{"accountName":"analytical engines"}`, 422, "INVALID_DATA", "1", nil},
		{"empty body", "POST", "/accounts", ``, 422, "EMPTY_PAYLOAD", "1", nil},
		{"search by time range", "GET", "/tickets/search?createdTimeRange=2000-01-01T00:00:00.000Z,2100-01-01T00:00:00.000Z&limit=5", "", 200, "", "3",
			func(t *testing.T, r result) {
				var v struct {
					Data  []json.RawMessage
					Count int
				}
				r.json(t, &v)
				if len(v.Data) != 5 || v.Count != 119 {
					t.Errorf("search: %d results, count %d", len(v.Data), v.Count)
				}
			}},
		{"global search of all modules", "GET", "/search?searchStr=Printer", "", 200, "", "3",
			func(t *testing.T, r result) {
				var v struct {
					Data  []map[string]any
					Count map[string]int
				}
				r.json(t, &v)
				if len(v.Data) == 0 || v.Count["tickets"] != len(v.Data) || v.Count["contacts"] != 0 {
					t.Errorf("search %s", r.body)
				}
			}},
		{"global search", "GET", "/search?searchStr=Printer&module=tickets", "", 200, "", "3",
			func(t *testing.T, r result) {
				if !strings.Contains(string(r.body), `"module":"tickets"`) || !strings.Contains(string(r.body), `"count":1`) {
					t.Errorf("search %s", r.body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if c := r.code(t); c != tt.wantCode {
				t.Errorf("code %q, want %q: %s", c, tt.wantCode, r.body)
			}
			if w := r.header.Get(credits.HeaderWeight); w != tt.weight {
				t.Errorf("weight %q, want %q", w, tt.weight)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	t.Run("comment update and delete", func(t *testing.T) {
		p := "/tickets/" + tk[0] + "/comments/" + comment
		if r := do(t, s, "PATCH", p, `{"content":"edited"}`); r.status != 200 || !strings.Contains(string(r.body), "edited") {
			t.Fatalf("update %d %s", r.status, r.body)
		}
		if r := do(t, s, "DELETE", p, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete %d", r.status)
		}
		if r := do(t, s, "DELETE", p, ""); r.status != 404 {
			t.Fatalf("second delete %d", r.status)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	s, _ := newFake(t, Options{Tickets: 200, Concurrency: 1000})
	tk := ids(t, s, "/tickets", 20)
	done := make(chan struct{})
	for i := range 20 {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range 10 {
				switch j % 3 {
				case 0:
					do(t, s, "GET", "/tickets?limit=50", "")
				case 1:
					do(t, s, "PATCH", "/tickets/"+tk[i], `{"priority":"Low"}`)
				case 2:
					do(t, s, "POST", "/tickets/"+tk[i]+"/comments", `{"content":"c"}`)
				}
			}
		}()
	}
	for range 20 {
		<-done
	}
	if n := s.RequestCount(); n != 201 {
		t.Errorf("RequestCount %d", n)
	}
	if got, want := s.Charged(), int64(20*(4*3+3+3)+3); got != want {
		t.Errorf("charged %d, want %d", got, want)
	}
}
