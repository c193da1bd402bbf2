package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain runs the worker when the test binary is started as one by
// RunFleet, and checks for leaked goroutines otherwise.
func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(workerMain(os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m)
}

// redisAddr returns the test Redis's address, skipping the test (failing
// it when ZOHODESK_REQUIRE_REDIS=1) when none is reachable.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("ZOHODESK_TEST_REDIS")
	skip := func(why string) {
		msg := why + "; run with ZOHODESK_TEST_REDIS=127.0.0.1:6379 (start one with: " + startRedis + ")"
		if os.Getenv("ZOHODESK_REQUIRE_REDIS") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if addr == "" {
		skip("ZOHODESK_TEST_REDIS is not set")
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		skip("no Redis at " + addr + ": " + err.Error())
	}
	c.Close()
	return addr
}

func TestFleetStaysUnderTheCap(t *testing.T) {
	addr := redisAddr(t)
	for _, chunk := range []int64{0, 40} {
		t.Run(map[int64]string{0: "no leasing", 40: "chunk=40"}[chunk], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			const capacity = 2000
			var stderr bytes.Buffer
			rep, err := RunFleet(ctx, FleetConfig{Workers: 4, Cap: capacity, Redis: addr, Chunk: chunk, Exe: os.Args[0], Stderr: &stderr})
			if err != nil {
				t.Fatalf("RunFleet: %v\nworkers' stderr:\n%s", err, stderr.String())
			}
			var out bytes.Buffer
			rep.Print(&out)
			t.Logf("\n%s", out.String())
			if len(rep.Workers) != 4 {
				t.Fatalf("%d worker results, want 4", len(rep.Workers))
			}
			for _, w := range rep.Workers {
				if w.Calls == 0 {
					t.Errorf("worker %d made no call", w.ID)
				}
			}
			if err := rep.Check(); err != nil {
				t.Fatal(err)
			}
			if rep.Total != rep.ServerCharged || rep.LedgerSpent != rep.ServerCharged {
				t.Fatalf("workers counted %d, the server charged %d, the ledger recorded %d: they must agree", rep.Total, rep.ServerCharged, rep.LedgerSpent)
			}
			// Without leasing the fleet must use 95% of the cap. With it,
			// credits another worker leased but never used may come back
			// only when that worker ends: up to one chunk per worker.
			floor := int64(capacity * 95 / 100)
			if chunk > 0 {
				floor = min(floor, capacity-4*chunk)
			}
			if rep.ServerCharged < floor {
				t.Fatalf("the fleet spent %d of %d: under %d", rep.ServerCharged, capacity, floor)
			}
			if !strings.Contains(out.String(), "OK:") {
				t.Fatalf("the report does not say OK:\n%s", out.String())
			}
		})
	}
}

func TestFleetWithoutRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = RunFleet(context.Background(), FleetConfig{Workers: 1, Cap: 100, Redis: addr, Exe: os.Args[0]})
	if !errors.Is(err, ErrNoRedis) {
		t.Fatalf("RunFleet without Redis: %v; want ErrNoRedis", err)
	}
}

func TestCheckReportsOverspend(t *testing.T) {
	tests := []struct {
		name string
		rep  FleetReport
		want error
	}{
		{"within", FleetReport{Cap: 100, Total: 100, ServerCharged: 100, LedgerSpent: 100}, nil},
		{"server over", FleetReport{Cap: 100, Total: 99, ServerCharged: 101, LedgerSpent: 99}, ErrOverspent},
		{"workers over", FleetReport{Cap: 100, Total: 101}, ErrOverspent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.rep.Check(); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRunFleetRejectsBadConfig(t *testing.T) {
	for _, cfg := range []FleetConfig{{Workers: 0, Cap: 100}, {Workers: 1, Cap: 1}, {Workers: 1, Cap: 100, Chunk: -1}} {
		if _, err := RunFleet(context.Background(), cfg); err == nil || errors.Is(err, ErrNoRedis) {
			t.Errorf("RunFleet(%+v) = %v; want a configuration error", cfg, err)
		}
	}
}
