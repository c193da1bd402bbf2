package credits_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

func TestParseObservation(t *testing.T) {
	now := time.Date(2025, 10, 6, 12, 0, 0, 0, time.UTC)
	type want struct {
		weight, remaining int64
		hasW, hasR        bool
		retry             time.Duration
		hasRetry          bool
		date              time.Time
		problems          int
	}
	tests := []struct {
		name string
		h    map[string]string
		want want
	}{
		{"none", nil, want{}},
		{"both", map[string]string{credits.HeaderWeight: "3", credits.HeaderRemaining: "99997"}, want{weight: 3, hasW: true, remaining: 99997, hasR: true}},
		{"spaces", map[string]string{credits.HeaderWeight: " 5 "}, want{weight: 5, hasW: true}},
		{"zero", map[string]string{credits.HeaderWeight: "0", credits.HeaderRemaining: "0"}, want{hasW: true, hasR: true}},
		{"negative", map[string]string{credits.HeaderWeight: "-3", credits.HeaderRemaining: "-1"}, want{problems: 2}},
		{"garbage", map[string]string{credits.HeaderWeight: "three", credits.HeaderRemaining: "1e5"}, want{problems: 2}},
		{"float", map[string]string{credits.HeaderWeight: "2.5"}, want{problems: 1}},
		{"huge", map[string]string{credits.HeaderWeight: "1000001", credits.HeaderRemaining: "99999999999999999999"}, want{problems: 2}},
		{"empty", map[string]string{credits.HeaderWeight: ""}, want{problems: 1}},
		{"max plausible", map[string]string{credits.HeaderWeight: "1000000"}, want{weight: 1_000_000, hasW: true}},
		{"retry seconds", map[string]string{credits.HeaderRetryAfter: "120"}, want{retry: 2 * time.Minute, hasRetry: true}},
		{"retry negative", map[string]string{credits.HeaderRetryAfter: "-5"}, want{problems: 1}},
		{"retry huge", map[string]string{credits.HeaderRetryAfter: "999999999"}, want{problems: 1}},
		{"retry garbage", map[string]string{credits.HeaderRetryAfter: "soon"}, want{problems: 1}},
		{"retry http date", map[string]string{credits.HeaderRetryAfter: now.Add(90 * time.Second).Format(http.TimeFormat)}, want{retry: 90 * time.Second, hasRetry: true}},
		{"retry http date past", map[string]string{credits.HeaderRetryAfter: now.Add(-time.Hour).Format(http.TimeFormat)}, want{hasRetry: true}},
		{"retry http date far", map[string]string{credits.HeaderRetryAfter: now.Add(72 * time.Hour).Format(http.TimeFormat)}, want{problems: 1}},
		{"date", map[string]string{"Date": now.Format(http.TimeFormat)}, want{date: now}},
		{"bad date", map[string]string{"Date": "yesterday"}, want{problems: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.h {
				h.Set(k, v)
			}
			o := credits.ParseObservation(429, h, now)
			w := tt.want
			if o.Status != 429 || o.Weight != w.weight || o.HasWeight != w.hasW || o.Remaining != w.remaining || o.HasRemaining != w.hasR ||
				o.RetryAfter != w.retry || o.HasRetryAfter != w.hasRetry || !o.Date.Equal(w.date) || len(o.Problems) != w.problems {
				t.Errorf("got %+v, want %+v", o, w)
			}
			for _, p := range o.Problems {
				if p.Error() == "" || p.Reason == "" {
					t.Errorf("problem without description: %+v", p)
				}
			}
			if o.HasCredits() != (w.hasW || w.hasR) {
				t.Errorf("HasCredits() = %v", o.HasCredits())
			}
		})
	}
}
