package desktest

import "testing"

func BenchmarkNewServer(b *testing.B) {
	for b.Loop() {
		NewServer(Options{}).Close()
	}
}
