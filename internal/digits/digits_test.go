package digits

import "testing"

func TestOnly(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"0", true}, {"189200000000001968", true}, {"123456789012345678901234567890", true},
		{"12a", false}, {"-1", false}, {"1 2", false}, {"١٢", false}, {"+1", false},
	} {
		if got := Only(tt.in); got != tt.want {
			t.Errorf("Only(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
