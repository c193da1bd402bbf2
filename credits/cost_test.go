package credits_test

import (
	"errors"
	"net/url"
	"sync"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
)

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestRoute(t *testing.T) {
	tests := []struct{ method, path, want string }{
		{"GET", "/tickets/123", "GET /tickets/{id}"},
		{"get", "/tickets/123/threads/456", "GET /tickets/{id}/threads/{id}"},
		{"POST", "tickets/updateMany/", "POST /tickets/updateMany"},
		{"GET", "/tickets?from=3", "GET /tickets"},
		{"GET", "", "GET /"},
		{"GET", "//contacts//9", "GET /contacts/{id}"},
		{"GET", "/agents/12ab", "GET /agents/12ab"},
	}
	for _, tt := range tests {
		if got := credits.Route(tt.method, tt.path); got != tt.want {
			t.Errorf("Route(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestDefaultCostTable(t *testing.T) {
	m := credits.DefaultCostModel()
	tests := []struct {
		name string
		call credits.Call
		want int64
	}{
		{"get one", credits.Call{Method: "GET", Path: "/tickets/1234567890123456789"}, 1},
		{"create", credits.Call{Method: "POST", Path: "/tickets"}, 1},
		{"update", credits.Call{Method: "PATCH", Path: "/tickets/1"}, 1},
		{"list no from", credits.Call{Method: "GET", Path: "/tickets"}, 3},
		{"list garbage from", credits.Call{Method: "GET", Path: "/tickets", Query: q("from", "x")}, 3},
		{"list from 2000", credits.Call{Method: "GET", Path: "/tickets", Query: q("from", "2000")}, 3},
		{"list from 2001", credits.Call{Method: "GET", Path: "/tickets", Query: q("from", "2001")}, 5},
		{"list from 10000", credits.Call{Method: "GET", Path: "/contacts", Query: q("from", "10000")}, 5},
		{"list from 50000", credits.Call{Method: "GET", Path: "/contacts", Query: q("from", "50000")}, 10},
		{"list from 100000", credits.Call{Method: "GET", Path: "/contacts", Query: q("from", "100000")}, 50},
		{"list beyond", credits.Call{Method: "GET", Path: "/contacts", Query: q("from", "100001")}, 100},
		{"search", credits.Call{Method: "GET", Path: "/tickets/search", Query: q("from", "4999")}, 5},
		{"sub-list", credits.Call{Method: "GET", Path: "/tickets/1/threads"}, 3},
		{"updateMany", credits.Call{Method: "POST", Path: "/tickets/updateMany", Records: 100}, 25},
		{"trash", credits.Call{Method: "POST", Path: "/tickets/moveToTrash", Records: 4}, 24},
		{"trash one", credits.Call{Method: "POST", Path: "/tickets/moveToTrash"}, 6},
		{"delete", credits.Call{Method: "DELETE", Path: "/contacts/5"}, 6},
		{"restore", credits.Call{Method: "POST", Path: "/recycleBin/restore", Records: 2}, 12},
		{"bulk write", credits.Call{Method: "POST", Path: "/contacts/updateMany", Records: 5}, 3},
		{"count", credits.Call{Method: "GET", Path: "/tasks/count"}, 50},
		{"count other", credits.Call{Method: "GET", Path: "/tickets/count"}, 50},
		{"tickets count", credits.Call{Method: "GET", Path: "/ticketsCount"}, 50},
		{"count by field", credits.Call{Method: "GET", Path: "/ticketsCountByFieldValues"}, 50},
		{"unknown method", credits.Call{Method: "OPTIONS", Path: "/tickets"}, credits.DefaultUnknownCost},
		{"empty path", credits.Call{Method: "GET"}, credits.DefaultUnknownCost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Estimate(tt.call); got != tt.want {
				t.Errorf("Estimate = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCostOverrides(t *testing.T) {
	m, err := credits.NewCostModel(credits.CostOptions{
		Overrides: map[string]int64{"GET /tickets/123": 7, "POST /x": 2},
		Funcs:     map[string]credits.CostFunc{"POST /x": func(c credits.Call) int64 { return int64(c.Records) * 4 }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Estimate(credits.Call{Method: "GET", Path: "/tickets/99"}); got != 7 {
		t.Errorf("override = %d, want 7", got)
	}
	if got := m.Estimate(credits.Call{Method: "POST", Path: "/x", Records: 3}); got != 12 {
		t.Errorf("func = %d, want 12", got)
	}
	// A func returning nonsense falls back to the conservative default.
	if got := m.Estimate(credits.Call{Method: "POST", Path: "/x"}); got != credits.DefaultUnknownCost {
		t.Errorf("func returning 0 = %d, want %d", got, credits.DefaultUnknownCost)
	}
	bad := []credits.CostOptions{
		{Overrides: map[string]int64{"GET /tickets": 0}},
		{Overrides: map[string]int64{"/tickets": 3}},
		{Funcs: map[string]credits.CostFunc{"GET /a": nil}},
		{Table: &credits.CostTable{}},
		{Table: func() *credits.CostTable {
			t := credits.DefaultCostTable()
			t.ListTiers = []credits.OffsetTier{{10, 1}, {5, 2}}
			return &t
		}()},
	}
	for i, o := range bad {
		if _, err := credits.NewCostModel(o); !errors.Is(err, credits.ErrInvalidConfig) {
			t.Errorf("bad options %d: err = %v, want ErrInvalidConfig", i, err)
		}
	}
}

func TestCostLearning(t *testing.T) {
	m := credits.DefaultCostModel()
	unknown := credits.Call{Method: "HEAD", Path: "/things"}
	if got := m.Estimate(unknown); got != credits.DefaultUnknownCost {
		t.Fatalf("before learning = %d", got)
	}
	m.Learn(unknown, 2)
	if got := m.Estimate(unknown); got != 2 {
		t.Errorf("after one sample = %d, want 2", got)
	}
	// Learning keeps the tiers: the factor scales the table.
	list := credits.Call{Method: "GET", Path: "/tickets", Query: q("from", "0")}
	for range 20 {
		m.Learn(list, 6) // Desk charges twice the table
	}
	if got := m.Estimate(list); got != 6 {
		t.Errorf("list after learning = %d, want 6", got)
	}
	deep := credits.Call{Method: "GET", Path: "/tickets", Query: q("from", "5000")}
	if got := m.Estimate(deep); got != 10 {
		t.Errorf("deep list after learning = %d, want 10", got)
	}
	// IDs are templated away: one route learns from all.
	m.Learn(credits.Call{Method: "GET", Path: "/contacts/1"}, 1)
	if got := m.Estimate(credits.Call{Method: "GET", Path: "/contacts/2"}); got != 1 {
		t.Errorf("contact = %d", got)
	}
	// A free response does not make the route free.
	free := credits.Call{Method: "GET", Path: "/free"}
	m.Learn(free, 0)
	if got := m.Estimate(free); got < 1 {
		t.Errorf("estimate after weight 0 = %d, want >= 1", got)
	}
	if got := m.TableEstimate(list); got != 3 {
		t.Errorf("TableEstimate = %d, want 3", got)
	}
	found := false
	for _, rc := range m.Routes() {
		if rc.Route == "GET /tickets" {
			found = true
			if rc.Samples != 20 || rc.Factor < 1.99 || rc.Factor > 2.01 {
				t.Errorf("route cost = %+v", rc)
			}
		}
	}
	if !found {
		t.Error("GET /tickets not in Routes()")
	}
	nl, _ := credits.NewCostModel(credits.CostOptions{NoLearning: true})
	nl.Learn(list, 100)
	if got := nl.Estimate(list); got != 3 {
		t.Errorf("NoLearning estimate = %d, want 3", got)
	}
}

func TestCostModelConcurrent(t *testing.T) {
	m := credits.DefaultCostModel()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 500 {
				c := credits.Call{Method: "GET", Path: "/r" + string(rune('a'+i%4)) + "/" + string(rune('0'+j%10))}
				if m.Estimate(c) < 1 {
					t.Error("estimate below 1")
				}
				m.Learn(c, int64(1+j%3))
			}
		})
	}
	wg.Wait()
	if n := len(m.Routes()); n != 4 {
		t.Errorf("%d routes, want 4", n)
	}
}

func TestCostEstimateAllocations(t *testing.T) {
	m := credits.DefaultCostModel()
	c := credits.Call{Method: "GET", Path: "/tickets/123/threads", Query: q("from", "10")}
	m.Estimate(c)
	if n := testing.AllocsPerRun(100, func() { m.Estimate(c) }); n != 0 {
		t.Errorf("Estimate allocates %v times", n)
	}
}
