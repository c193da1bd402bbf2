package desk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTolerantDecoding(t *testing.T) {
	ms := time.UnixMilli(1466514974000).UTC()
	iso := time.Date(2016, 6, 21, 16, 16, 16, 0, time.UTC)
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, tk *Ticket)
	}{
		{"ID as a 19-digit number keeps every digit", `{"id":1892000000042034123}`, func(t *testing.T, tk *Ticket) {
			if tk.ID != "1892000000042034123" {
				t.Errorf("ID = %q", tk.ID)
			}
		}},
		{"count as string", `{"threadCount":"121"}`, func(t *testing.T, tk *Ticket) {
			if tk.ThreadCount != 121 {
				t.Errorf("ThreadCount = %d", tk.ThreadCount)
			}
		}},
		{"count as float", `{"threadCount":12.0}`, func(t *testing.T, tk *Ticket) {
			if tk.ThreadCount != 12 {
				t.Errorf("ThreadCount = %d", tk.ThreadCount)
			}
		}},
		{"bad count goes to Extra", `{"threadCount":"many"}`, func(t *testing.T, tk *Ticket) {
			if tk.ThreadCount != 0 || string(tk.Extra["threadCount"]) != `"many"` {
				t.Errorf("ThreadCount = %d, Extra = %s", tk.ThreadCount, tk.Extra["threadCount"])
			}
		}},
		{"booleans as strings", `{"isDeleted":"false","isFollowing":"true","isSpam":1}`, func(t *testing.T, tk *Ticket) {
			if tk.IsDeleted || !tk.IsFollowing || !tk.IsSpam {
				t.Errorf("%v %v %v", tk.IsDeleted, tk.IsFollowing, tk.IsSpam)
			}
		}},
		{"time as epoch ms", `{"modifiedTime":1466514974000,"dueDate":"1466514974000"}`, func(t *testing.T, tk *Ticket) {
			if !tk.ModifiedTime.Equal(ms) || !tk.DueDate.Equal(ms) {
				t.Errorf("%v %v", tk.ModifiedTime, tk.DueDate)
			}
		}},
		{"time as ISO", `{"createdTime":"2016-06-21T16:16:16.000Z"}`, func(t *testing.T, tk *Ticket) {
			if !tk.CreatedTime.Equal(iso) {
				t.Errorf("%v", tk.CreatedTime)
			}
		}},
		{"bad time goes to Extra", `{"createdTime":"yesterday"}`, func(t *testing.T, tk *Ticket) {
			if !tk.CreatedTime.IsZero() || tk.Extra["createdTime"] == nil {
				t.Errorf("%v %s", tk.CreatedTime, tk.Extra["createdTime"])
			}
		}},
		{"nulls everywhere", `{"id":null,"threadCount":null,"isSpam":null,"closedTime":null,"cf":null,"contact":null,"secondaryContacts":null}`, func(t *testing.T, tk *Ticket) {
			if tk.ID != "" || tk.Contact != nil || tk.CustomFields != nil || tk.Extra != nil {
				t.Errorf("%+v", tk)
			}
		}},
		{"enum wrapped in an array", `{"source":{"type":["SYSTEM"]}}`, func(t *testing.T, tk *Ticket) {
			if tk.Source == nil || tk.Source.Type != "SYSTEM" {
				t.Errorf("%+v", tk.Source)
			}
		}},
		{"unknown fields kept", `{"id":"1","brandNew":{"a":[1,2]},"other":"x"}`, func(t *testing.T, tk *Ticket) {
			if string(tk.Extra["brandNew"]) != `{"a":[1,2]}` || string(tk.Extra["other"]) != `"x"` {
				t.Errorf("Extra = %v", tk.Extra)
			}
		}},
		{"wrong shape for a nested record", `{"contact":"1892000000042032","id":"5"}`, func(t *testing.T, tk *Ticket) {
			if tk.Contact != nil || tk.ID != "5" || string(tk.Extra["contact"]) != `"1892000000042032"` {
				t.Errorf("%+v", tk)
			}
		}},
		{"mixed ID list", `{"secondaryContacts":["1",2,18920000000420381234]}`, func(t *testing.T, tk *Ticket) {
			if len(tk.SecondaryContacts) != 3 || tk.SecondaryContacts[2] != "18920000000420381234" {
				t.Errorf("%v", tk.SecondaryContacts)
			}
		}},
		{"custom field numbers keep precision", `{"cf":{"cf_n":1892220000042001,"cf_s":"x","cf_nil":null}}`, func(t *testing.T, tk *Ticket) {
			if tk.CustomFields["cf_n"] != json.Number("1892220000042001") || tk.CustomFields["cf_s"] != "x" || tk.CustomFields["cf_nil"] != nil {
				t.Errorf("%#v", tk.CustomFields)
			}
		}},
		{"escaped strings", `{"subject":"a\"b\u00e9\n"}`, func(t *testing.T, tk *Ticket) {
			if tk.Subject != "a\"bé\n" {
				t.Errorf("%q", tk.Subject)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tk Ticket
			if err := decodeJSON([]byte(tc.in), &tk); err != nil {
				t.Fatalf("decode: %v", err)
			}
			tc.check(t, &tk)
		})
	}
}

func TestDecodeRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `12`, `{"id":`, `not json`} {
		var tk Ticket
		if err := decodeJSON([]byte(in), &tk); err == nil {
			t.Errorf("decoding %s succeeded", in)
		}
	}
}

// FuzzDecode checks that no input makes the decoder panic, and that an
// input encoding/json accepts as an object is accepted too.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":1e400,"threadCount":"9999999999999999999999","createdTime":-1e30,"source":[[["x"]]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tk Ticket
		err := decodeJSON(data, &tk)
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) == nil && obj != nil && err != nil {
			t.Errorf("encoding/json accepts the object but the decoder failed: %v", err)
		}
		var list struct {
			Data []Thread `json:"data"`
		}
		_ = decodeJSON(data, &list)
		var sr searchResults
		_ = decodeJSON(data, &sr)
	})
}

// plainTicket mirrors Ticket without the tolerant codec: what a caller
// would write with encoding/json alone (and which fails on Desk's loose
// types, so the benchmark feeds it strictly typed JSON).
type plainTicket Ticket

func BenchmarkDecodeTicket(b *testing.B) {
	strict := []byte(`{"id":"1892000000042034","ticketNumber":"101","subject":"Real Time analysis Requirement","status":"Open","statusType":"Open","priority":"High","channel":"Email","departmentId":"1892000000006907","contactId":"1892000000042032","assigneeId":"1892000000056007","email":"carol@zylker.com","phone":"1 555 010 0000","createdTime":"2013-11-04T11:21:07.000Z","modifiedTime":"2016-06-21T10:16:14.000Z","dueDate":"2016-06-21T16:16:16.000Z","customerResponseTime":"2013-11-04T11:21:07.912Z","threadCount":121,"commentCount":1,"taskCount":1,"attachmentCount":1,"isOverDue":false,"isSpam":false,"isEscalated":false,"webUrl":"https://desk.example.com/support/zylker/ShowHomePage.do#Cases/dv/d126330fb061247d9ebddaeb9d93ba74750b0284bc703b38","cf":{"cf_modelname":"F3 2017","cf_severitypercentage":"0.0"},"source":{"type":"SYSTEM"}}`)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t plainTicket
			if err := json.Unmarshal(strict, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec-strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t Ticket
			if err := decodeJSON(strict, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	loose := fixture(b, "ticket.json")
	b.Run("codec-spec-example", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var t Ticket
			if err := decodeJSON(loose, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
}
