package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTickets is the size of the fake organisation; testSeed makes every
// server generate the same one, as a resumed run against a real org would
// see the same tickets.
const (
	testTickets = 120
	testSeed    = 5
)

// newTestClient starts a fresh fake server (same seed every time) and a
// client for it.
func newTestClient(t *testing.T) *desk.Client {
	t.Helper()
	srv := desktest.NewServer(desktest.Options{Seed: testSeed, Tickets: testTickets, Contacts: 30, Accounts: 5})
	t.Cleanup(srv.Close)
	c, err := desk.NewClient(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readRecords reads the output file's records.
func readRecords(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportResume exports in three runs, the first two stopped by the job
// cap, each against a fresh server with the same seed: the output holds
// every ticket exactly once, in order, each with all its threads.
func TestExportResume(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "tickets.jsonl")
	// The whole export costs 50 (the count) + 2 pages * 3 + 120 thread
	// lists * 3 = 416 credits: a cap of 200 needs three runs. The estimate
	// printed after the count is the 366 still to spend.
	opts := Options{Out: out, Cap: 200}

	var runs []Result
	for i := range 3 {
		opts.Resume = i > 0
		var stdout strings.Builder
		res, err := Export(ctx, newTestClient(t), opts, &stdout, io.Discard)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, stdout.String())
		}
		t.Logf("run %d:\n%s", i+1, stdout.String())
		if i == 0 && !strings.Contains(stdout.String(), "estimated cost: 366 credits") {
			t.Errorf("run 1 printed no estimate of 366 credits:\n%s", stdout.String())
		}
		if res.Spent > opts.Cap {
			t.Errorf("run %d spent %d credits, over the cap of %d", i+1, res.Spent, opts.Cap)
		}
		runs = append(runs, res)
	}
	if !runs[0].Stopped || !runs[1].Stopped || runs[2].Stopped || !runs[2].Checkpoint.Complete {
		t.Fatalf("runs stopped %v %v %v, complete %v: want two stops then completion", runs[0].Stopped, runs[1].Stopped, runs[2].Stopped, runs[2].Checkpoint.Complete)
	}
	if got := runs[0].Exported + runs[1].Exported + runs[2].Exported; got != testTickets {
		t.Errorf("the runs exported %d tickets, want %d", got, testTickets)
	}
	cp, err := readCheckpoint(out + ".checkpoint.json")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Exported != testTickets || cp.Next != testTickets || cp.CreditsSpent != runs[0].Spent+runs[1].Spent+runs[2].Spent {
		t.Errorf("final checkpoint %+v", cp)
	}

	// The union is every ticket once, in the list's order.
	c := newTestClient(t)
	var want []desk.Ticket
	for tk, err := range c.Tickets.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, tk)
	}
	got := readRecords(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Ticket.ID != want[i].ID {
			t.Fatalf("record %d is ticket %s, want %s: a duplicate or a gap", i, got[i].Ticket.ID, want[i].ID)
		}
		if len(got[i].Threads) != want[i].ThreadCount || len(got[i].Threads) == 0 {
			t.Errorf("ticket %s: %d threads, want %d", want[i].ID, len(got[i].Threads), want[i].ThreadCount)
		}
	}

	// A finished export is not resumed again.
	opts.Resume = true
	if _, err := Export(ctx, newTestClient(t), opts, io.Discard, nil); !errors.Is(err, ErrBadInput) {
		t.Errorf("resuming a complete export: %v, want ErrBadInput", err)
	}
}

// TestExportBadInput checks the refusals, and that none of them touches an
// existing output file.
func TestExportBadInput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.jsonl")
	const content = "{\"ticket\":{}}\n"
	if err := os.WriteFile(existing, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"zero cap", Options{Out: filepath.Join(dir, "a.jsonl"), Cap: 0}, "-cap must be a positive number"},
		{"negative cap", Options{Out: filepath.Join(dir, "a.jsonl"), Cap: -5}, "-cap must be a positive number"},
		{"no output", Options{Out: "", Cap: 10}, "-out is empty"},
		{"resume without checkpoint", Options{Out: filepath.Join(dir, "b.jsonl"), Cap: 100, Resume: true}, "no checkpoint at"},
		{"existing output", Options{Out: existing, Cap: 100}, "already exists: pass -resume"},
		{"resume with the checkpoint of another file", Options{Out: existing, Cap: 100, Resume: true,
			Checkpoint: writeTestCheckpoint(t, dir, Checkpoint{Output: "other.jsonl", OutputBytes: int64(len(content))})}, "is for other.jsonl"},
		{"resume onto a changed file", Options{Out: existing, Cap: 100, Resume: true,
			Checkpoint: writeTestCheckpoint(t, dir, Checkpoint{Output: existing, OutputBytes: 3})}, "changed since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Export(context.Background(), newTestClient(t), tt.opts, io.Discard, nil)
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrBadInput saying %q", err, tt.want)
			}
			if b, err := os.ReadFile(existing); err != nil || string(b) != content {
				t.Errorf("the existing output changed: %q, %v", b, err)
			}
		})
	}
}

func writeTestCheckpoint(t *testing.T, dir string, cp Checkpoint) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "cp-*.json")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := writeCheckpoint(f.Name(), cp); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
