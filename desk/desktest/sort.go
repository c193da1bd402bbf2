package desktest

import (
	"net/url"
	"slices"
	"strings"
)

func sortSlice[T any](s []T, cmp func(a, b T) int) { slices.SortStableFunc(s, cmp) }

// sortRecords orders records by sortBy, a key of keys with an optional "-"
// prefix for descending order; "" keeps the order given. It sorts a copy
// unless copied says records is already the caller's own slice. It reports
// false for an unknown key.
func sortRecords[T any](records []*T, sortBy string, keys map[string]func(a, b *T) int, copied bool) ([]*T, bool) {
	if sortBy == "" {
		return records, true
	}
	key, desc := strings.CutPrefix(sortBy, "-")
	cmp, ok := keys[key]
	if !ok {
		return nil, false
	}
	if !copied {
		records = append([]*T(nil), records...)
	}
	sortSlice(records, func(a, b *T) int {
		if desc {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
	return records, true
}

// newestFirst returns records (kept oldest first) newest first, as a copy,
// unless ascending.
func newestFirst[T any](records []*T, ascending bool) []*T {
	if ascending {
		return records
	}
	records = slices.Clone(records)
	slices.Reverse(records)
	return records
}

// page returns the records of the page q asks for (from, limit), each
// through view.
func page[T, V any](q url.Values, records []*T, view func(*T) V) []V {
	lo, hi := pageBounds(q, len(records), defaultLimit)
	out := make([]V, 0, hi-lo)
	for _, r := range records[lo:hi] {
		out = append(out, view(r))
	}
	return out
}

// value is the record r points to, as a page view.
func value[T any](r *T) T { return *r }

// fieldsReply is the list reply of out, reduced to the fields q names in
// "fields" when it names any.
func fieldsReply[V any](q url.Values, out []V) *reply {
	if fields := q.Get("fields"); fields != "" && len(out) > 0 {
		return listReply(projectFields(out, fields))
	}
	return listReply(out)
}
