package credits_test

import (
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s: %v", name, err)
	}
	return z
}

func TestWindowDay(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	kolkata := mustZone(t, "Asia/Kolkata")
	tests := []struct {
		zone      *time.Location
		at        time.Time
		day       credits.Day
		reset     time.Time
		dayLength time.Duration
	}{
		{nil, time.Date(2025, 10, 6, 23, 59, 59, 0, time.UTC), "2025-10-06", time.Date(2025, 10, 7, 0, 0, 0, 0, time.UTC), 24 * time.Hour},
		{nil, time.Date(2025, 10, 7, 0, 0, 0, 0, time.UTC), "2025-10-07", time.Date(2025, 10, 8, 0, 0, 0, 0, time.UTC), 24 * time.Hour},
		{kolkata, time.Date(2025, 10, 6, 19, 0, 0, 0, time.UTC), "2025-10-07", time.Date(2025, 10, 7, 18, 30, 0, 0, time.UTC), 24 * time.Hour},
		{la, time.Date(2025, 10, 7, 3, 0, 0, 0, time.UTC), "2025-10-06", time.Date(2025, 10, 7, 7, 0, 0, 0, time.UTC), 24 * time.Hour},
		// Daylight saving ends in Los Angeles on 2025-11-02: a 25-hour day.
		{la, time.Date(2025, 11, 2, 12, 0, 0, 0, time.UTC), "2025-11-02", time.Date(2025, 11, 3, 8, 0, 0, 0, time.UTC), 25 * time.Hour},
		// And starts on 2025-03-09: a 23-hour day.
		{la, time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC), "2025-03-09", time.Date(2025, 3, 10, 7, 0, 0, 0, time.UTC), 23 * time.Hour},
	}
	for _, tt := range tests {
		w := credits.NewWindow(tt.zone)
		if got := w.Day(tt.at); got != tt.day {
			t.Errorf("%v in %v: Day = %s, want %s", tt.at, w.Zone(), got, tt.day)
		}
		start, reset := w.Bounds(tt.at)
		if !reset.Equal(tt.reset) || !w.NextReset(tt.at).Equal(tt.reset) {
			t.Errorf("%v in %v: reset = %v, want %v", tt.at, w.Zone(), reset, tt.reset)
		}
		if start.After(tt.at) || !reset.After(tt.at) || reset.Sub(start) != tt.dayLength {
			t.Errorf("%v in %v: bounds [%v, %v) length %v", tt.at, w.Zone(), start, reset, reset.Sub(start))
		}
	}
}

func TestWindowRealign(t *testing.T) {
	day := func(h, m int) time.Time { return time.Date(2025, 10, 6, h, m, 0, 0, time.UTC) }
	w := credits.NewWindow(time.UTC)
	// A jump at midday is bought credits, not a reset.
	if w.Realign(day(11, 0), day(12, 0)) {
		t.Error("realigned at midday")
	}
	// A jump across our own boundary is already explained.
	if w.Realign(day(23, 50), day(24, 5)) || w.Shift() != 0 {
		t.Error("realigned across the existing boundary")
	}
	// Desk reset 20 minutes before our midnight: follow it.
	if !w.Realign(day(23, 30), day(23, 40)) {
		t.Fatal("did not realign to an early reset")
	}
	if w.Shift() != -20*time.Minute {
		t.Errorf("shift = %v, want -20m", w.Shift())
	}
	if got := w.Day(day(23, 40)); got != "2025-10-07" {
		t.Errorf("day after realign = %s", got)
	}
	if got := w.Day(day(23, 39)); got != "2025-10-06" {
		t.Errorf("day before the new boundary = %s", got)
	}
	if got := w.NextReset(day(12, 0)); !got.Equal(day(23, 40)) {
		t.Errorf("next reset = %v", got)
	}
	// Desk reset 30 minutes after our (realigned) boundary.
	w2 := credits.NewWindow(time.UTC)
	if !w2.Realign(time.Date(2025, 10, 7, 0, 10, 0, 0, time.UTC), time.Date(2025, 10, 7, 0, 30, 0, 0, time.UTC)) || w2.Shift() != 30*time.Minute {
		t.Errorf("late reset: shift = %v", w2.Shift())
	}
}
