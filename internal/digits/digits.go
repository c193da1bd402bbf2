// Package digits answers one question the SDK asks in several places: is
// this string one of Desk's numeric IDs (all ASCII digits)?
package digits

// Only reports whether s is non-empty and made of ASCII digits only. Desk's
// IDs are such strings, often longer than an int64 can hold, so they are
// checked as text, never parsed.
func Only(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
