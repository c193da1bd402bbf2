package desktest

import "slices"

func sortSlice[T any](s []T, cmp func(a, b T) int) { slices.SortStableFunc(s, cmp) }
