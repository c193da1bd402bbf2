package desktest

import (
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/internal/clock"
)

func TestSpendExternalUpTo(t *testing.T) {
	clk := clock.New(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	s := NewServer(Options{Plan: credits.Plan{Edition: credits.Free}, Clock: clk, Tickets: 10, Contacts: 2, Accounts: 1, MaxRecorded: -1})
	defer s.Close()
	tests := []struct {
		name      string
		n         int64
		want      int64
		remaining int64
	}{
		{"nothing", 0, 0, 5000},
		{"negative", -5, 0, 5000},
		{"fits", 1200, 1200, 3800},
		{"exactly what is left", 3800, 3800, 0},
		{"nothing left", 10, 0, 0},
	}
	for _, tt := range tests {
		if got := s.SpendExternalUpTo(tt.n); got != tt.want {
			t.Errorf("%s: SpendExternalUpTo(%d) = %d, want %d", tt.name, tt.n, got, tt.want)
		}
		if r := s.Remaining(); r != tt.remaining {
			t.Errorf("%s: Remaining() = %d, want %d", tt.name, r, tt.remaining)
		}
	}
	if c := s.Charged(); c != 0 {
		t.Errorf("Charged() = %d after external spend only, want 0", c)
	}
	// A partial burst: 700 wanted, 300 left.
	clk.Advance(24 * time.Hour)
	s.SpendExternalUpTo(4700)
	if got := s.SpendExternalUpTo(700); got != 300 {
		t.Errorf("partial burst got %d, want 300", got)
	}
}
