package redisledger_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
)

// day1 is today: keys of days long gone expire at once.
var day1 = credits.Day(time.Now().UTC().Format(time.DateOnly))

func newLedger(t testing.TB, rdb redis.UniversalClient, prefix string, mod func(*redisledger.Options)) *redisledger.Ledger {
	t.Helper()
	o := redisledger.Options{OrgKey: "org1", Prefix: prefix}
	if mod != nil {
		mod(&o)
	}
	l, err := redisledger.New(rdb, o)
	must(t, err)
	// Every ledger is closed when its test ends, so that no flusher
	// outlives it; Close is harmless after an explicit one. Registered
	// after the client's cleanup, it runs before the client closes.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Logf("closing the ledger at the end of the test: %v", err)
		}
	})
	return l
}

func TestNewRejectsBadConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	defer rdb.Close()
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   redisledger.Options
		want   string
	}{
		{"nil client", nil, redisledger.Options{OrgKey: "o"}, "client is nil"},
		{"empty org key", rdb, redisledger.Options{}, "OrgKey is empty"},
		{"brace in org key", rdb, redisledger.Options{OrgKey: "a{b"}, "hash tag"},
		{"brace in prefix", rdb, redisledger.Options{OrgKey: "o", Prefix: "x}"}, "hash tag"},
		{"lease shorter than call timeout", rdb, redisledger.Options{OrgKey: "o", Lease: 5 * time.Second, CallTimeout: 10 * time.Second}, "does not exceed"},
		{"lease equal to call timeout", rdb, redisledger.Options{OrgKey: "o", Lease: 10 * time.Second, CallTimeout: 10 * time.Second}, "does not exceed"},
		{"short lease with default call timeout", rdb, redisledger.Options{OrgKey: "o", Lease: time.Second}, "does not exceed"},
		{"negative local share", rdb, redisledger.Options{OrgKey: "o", LocalShare: -1}, "LocalShare"},
		{"negative chunk", rdb, redisledger.Options{OrgKey: "o", Chunk: -1}, "Chunk"},
		{"negative retention", rdb, redisledger.Options{OrgKey: "o", Retention: -time.Hour}, "Retention"},
		{"settle delay outlasting the lease", rdb, redisledger.Options{OrgKey: "o", Lease: 2 * time.Second, CallTimeout: time.Second, SettleDelay: time.Second}, "SettleDelay"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := redisledger.New(tc.client, tc.opts)
			if !errors.Is(err, credits.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, %v; want an error wrapping ErrInvalidConfig mentioning %q", l, err, tc.want)
			}
		})
	}
	l, err := redisledger.New(rdb, redisledger.Options{OrgKey: "o", Lease: 2 * time.Second, CallTimeout: time.Second})
	if err != nil {
		t.Fatalf("valid options: %v", err)
	}
	must(t, l.Close(context.Background())) // nothing to write: no round trip
}

// TestSemantics walks one day through the contract of credits.Ledger.
func TestSemantics(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	ctx := context.Background()
	type step struct {
		name string
		do   func(t *testing.T, l *redisledger.Ledger, holds map[string]credits.Hold)
	}
	reserve := func(name string, amount, limit int64, wantOK bool, wantAvail int64) step {
		return step{"reserve " + name, func(t *testing.T, l *redisledger.Ledger, holds map[string]credits.Hold) {
			res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: amount, Limit: limit, Allotment: 1000})
			must(t, err)
			if res.OK != wantOK || res.Available != wantAvail {
				t.Fatalf("Reserve(%d, limit %d) = %+v; want OK %v available %d", amount, limit, res, wantOK, wantAvail)
			}
			if res.OK {
				if res.Hold.Amount != amount || res.Hold.Day != day1 {
					t.Fatalf("hold %+v", res.Hold)
				}
				holds[name] = res.Hold
			}
		}}
	}
	settle := func(name string, actual, remaining int64) step {
		return step{"settle " + name, func(t *testing.T, l *redisledger.Ledger, holds map[string]credits.Hold) {
			s := credits.Settlement{Hold: holds[name], Actual: actual, Allotment: 1000}
			if remaining >= 0 {
				s.Remaining, s.HasRemaining = remaining, true
			}
			must(t, l.Settle(ctx, s))
		}}
	}
	snap := func(want credits.LedgerSnapshot) step {
		return step{fmt.Sprintf("snapshot %+v", want), func(t *testing.T, l *redisledger.Ledger, _ map[string]credits.Hold) {
			got, err := l.Snapshot(ctx, day1)
			must(t, err)
			want.Day = day1
			if got != want {
				t.Fatalf("Snapshot = %+v\nwant       %+v", got, want)
			}
		}}
	}
	steps := []step{
		snap(credits.LedgerSnapshot{}),
		reserve("a", 40, 100, true, 100),
		reserve("b", 50, 100, true, 60),
		reserve("c", 11, 100, false, 10),
		reserve("d", 10, 100, true, 10),
		snap(credits.LedgerSnapshot{Held: 100}),
		// a costs 30; Desk says 1000-950 = 50 spent by the org: 20 by others.
		settle("a", 30, 950),
		snap(credits.LedgerSnapshot{Spent: 30, Held: 60, OrgSpent: 50, LowestRemaining: 950, HasRemaining: true}),
		reserve("e", 1, 100, false, 0),
		settle("b", 50, 900),            // 1000-900-80 = 20: nothing new
		settle("b", 50, -1),             // settled before: not charged again
		settle("d", 10, -1),             // no remaining
		reserve("f", 10, 100, false, 0), // used 90+20 already over 100
		reserve("f", 10, 130, true, 20),
		step{"release f", func(t *testing.T, l *redisledger.Ledger, h map[string]credits.Hold) {
			must(t, l.Release(ctx, h["f"]))
			must(t, l.Release(ctx, h["f"])) // twice: nothing
		}},
		snap(credits.LedgerSnapshot{Spent: 90, OrgSpent: 110, LowestRemaining: 900, HasRemaining: true}),
		step{"observe", func(t *testing.T, l *redisledger.Ledger, _ map[string]credits.Hold) {
			must(t, l.Observe(ctx, day1, 850, 1000)) // 150 spent by the org: 60 by others
		}},
		snap(credits.LedgerSnapshot{Spent: 90, OrgSpent: 150, LowestRemaining: 850, HasRemaining: true}),
		step{"observe higher", func(t *testing.T, l *redisledger.Ledger, _ map[string]credits.Hold) {
			must(t, l.Observe(ctx, day1, 990, 1000)) // never lowers what is known
		}},
		snap(credits.LedgerSnapshot{Spent: 90, OrgSpent: 150, LowestRemaining: 850, HasRemaining: true}),
	}
	prefix := uniquePrefix(t, rdb)
	l := newLedger(t, rdb, prefix, nil)
	holds := map[string]credits.Hold{}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { s.do(t, l, holds) })
	}
	must(t, l.Close(ctx))
}

func TestStopOnlyExtendsAndIsShared(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	ctx := context.Background()
	a := newLedger(t, rdb, prefix, nil)
	b := newLedger(t, rdb, prefix, nil)
	base := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	tests := []struct {
		stop time.Time
		want time.Time
	}{
		{base, base},
		{base.Add(-time.Minute), base},
		{base.Add(time.Minute), base.Add(time.Minute)},
	}
	for _, tc := range tests {
		must(t, a.Stop(ctx, tc.stop))
		got, err := b.Snapshot(ctx, day1)
		must(t, err)
		if !got.StoppedUntil.Equal(tc.want) {
			t.Fatalf("after Stop(%v): StoppedUntil %v, want %v", tc.stop, got.StoppedUntil, tc.want)
		}
	}
}

func TestChunkedSemantics(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	ctx := context.Background()
	prefix := uniquePrefix(t, rdb)
	hook := &countingHook{}
	rdb.AddHook(hook)
	l := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.Chunk = 50 })
	other := newLedger(t, rdb, prefix, nil)

	var holds []credits.Hold
	for range 10 {
		res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 60})
		must(t, err)
		if !res.OK {
			t.Fatalf("refused %+v", res)
		}
		holds = append(holds, res.Hold)
	}
	if n := hook.n.Load(); n > 2 { // one EVALSHA (plus a possible EVAL on NOSCRIPT)
		t.Fatalf("10 reservations from one chunk made %d Redis calls", n)
	}
	s, err := other.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 50 {
		t.Fatalf("others see %d held, want the chunk of 50", s.Held)
	}
	// Only 10 left for other processes: a chunk never takes more than fits.
	res, err := other.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 11, Limit: 60})
	must(t, err)
	if res.OK || res.Available != 10 {
		t.Fatalf("other reserve = %+v, want refusal with 10 available", res)
	}
	for i, h := range holds {
		must(t, l.Settle(ctx, credits.Settlement{Hold: h, Actual: int64(i % 2 * 5)})) // 5 settle at 5, 5 at 0
	}
	must(t, l.Settle(ctx, credits.Settlement{Hold: holds[0], Actual: 99})) // twice: ignored
	s, err = l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 25 {
		t.Fatalf("snapshot %+v; want Spent 25", s)
	}
	must(t, l.Close(ctx))
	s, err = other.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 25 || s.Held != 0 {
		t.Fatalf("after Close others see %+v; want Spent 25 Held 0", s)
	}
	if _, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 1, Limit: 60}); !errors.Is(err, redisledger.ErrClosed) {
		t.Fatalf("Reserve after Close: %v", err)
	}
}

// TestChunkRedisCallsPerAPICall checks local leasing's purpose: far fewer
// round trips than calls.
func TestChunkRedisCallsPerAPICall(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	ctx := context.Background()
	prefix := uniquePrefix(t, rdb)
	hook := &countingHook{}
	rdb.AddHook(hook)
	l := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.Chunk = 200 })
	const calls = 4000
	var wg sync.WaitGroup
	var admitted atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range calls / 8 {
				cost := 1 + r.Int64N(5)
				res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: cost, Limit: 1 << 40})
				if err != nil || !res.OK {
					t.Errorf("reserve: %+v %v", res, err)
					return
				}
				admitted.Add(cost)
				if err := l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: cost, Remaining: 1e9, HasRemaining: true, Allotment: 1e9 + 1e6}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	must(t, l.Close(ctx))
	ratio := float64(hook.n.Load()) / calls
	t.Logf("%d Redis calls for %d API calls: %.3f per call", hook.n.Load(), calls, ratio)
	if ratio > 0.1 {
		t.Errorf("%.3f Redis calls per API call, want <= 0.1", ratio)
	}
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != admitted.Load() || s.Held != 0 {
		t.Fatalf("snapshot %+v, want Spent %d Held 0", s, admitted.Load())
	}
}

func TestGoroutinesNeverOverspend(t *testing.T) {
	addr := redisAddr(t)
	for _, chunk := range []int64{0, 20} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			rdb := newClient(t, addr)
			prefix := uniquePrefix(t, rdb)
			const capacity = 3000
			var total atomic.Int64
			var wg sync.WaitGroup
			var ledgers []*redisledger.Ledger
			for range 3 { // three ledgers: as if three processes
				ledgers = append(ledgers, newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.Chunk = chunk }))
			}
			for g := range 24 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := spend(context.Background(), ledgers[g%3], capacity, uint64(g))
					if err != nil {
						t.Error(err)
					}
					total.Add(n)
				}()
			}
			wg.Wait()
			for _, l := range ledgers {
				must(t, l.Close(context.Background()))
			}
			checkTotal(t, ledgers[0], total.Load(), capacity)
		})
	}
}

// spend reserves random costs against capacity until refused 200 times in
// a row, settling each at its estimate, and returns what it was granted.
func spend(ctx context.Context, l *redisledger.Ledger, capacity int64, seed uint64) (int64, error) {
	r := rand.New(rand.NewPCG(seed, uint64(os.Getpid())))
	var total int64
	for refusals := 0; refusals < 200; {
		cost := 1 + r.Int64N(10)
		res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: cost, Limit: capacity})
		if err != nil {
			return total, err
		}
		if !res.OK {
			refusals++
			continue
		}
		refusals = 0
		total += cost
		if err := l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: cost}); err != nil {
			return total, err
		}
	}
	return total, nil
}

func checkTotal(t *testing.T, l *redisledger.Ledger, total, capacity int64) {
	t.Helper()
	s, err := l.Snapshot(context.Background(), day1)
	must(t, err)
	t.Logf("granted %d of %d (%.2f%%); ledger %+v", total, capacity, 100*float64(total)/float64(capacity), s)
	if total > capacity || s.Spent != total || s.Held != 0 {
		t.Fatalf("granted %d, ledger spent %d held %d; cap %d", total, s.Spent, s.Held, capacity)
	}
	if float64(total) < 0.99*float64(capacity) {
		t.Fatalf("granted %d: under 99%% of the cap %d", total, capacity)
	}
}

// TestHelperProcess is not a test: the other tests run it in child processes.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(envHelper)
	if mode == "" {
		t.Skip("helper for other tests")
	}
	addr, prefix := os.Getenv(envAddr), os.Getenv("ZDTEST_PREFIX")
	capacity, _ := strconv.ParseInt(os.Getenv("ZDTEST_CAP"), 10, 64)
	chunk, _ := strconv.ParseInt(os.Getenv("ZDTEST_CHUNK"), 10, 64)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	settleDelay, _ := time.ParseDuration(os.Getenv("ZDTEST_SETTLE_DELAY"))
	l, err := redisledger.New(rdb, redisledger.Options{OrgKey: "org1", Prefix: prefix, Chunk: chunk,
		Lease: time.Second, CallTimeout: 200 * time.Millisecond, SettleDelay: settleDelay})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	switch mode {
	case "spend":
		var wg sync.WaitGroup
		var total atomic.Int64
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := spend(ctx, l, capacity, uint64(g))
				if err != nil {
					t.Error(err)
				}
				total.Add(n)
			}()
		}
		wg.Wait()
		must(t, l.Close(ctx))
		fmt.Printf("TOTAL %d\n", total.Load())
	case "hold":
		var held int64
		for held+7 <= capacity {
			res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 7, Limit: capacity})
			must(t, err)
			if !res.OK {
				break
			}
			held += 7
		}
		fmt.Printf("HELD %d\n", held)
		time.Sleep(time.Minute) // until killed
	case "settle":
		// Settle every hold at its amount, deferred, and die before the
		// flusher writes (the test kills this process at once).
		var holds []credits.Hold
		var held int64
		for held+7 <= capacity {
			res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 7, Limit: capacity})
			must(t, err)
			if !res.OK {
				break
			}
			held += 7
			holds = append(holds, res.Hold)
		}
		for _, h := range holds {
			must(t, l.Settle(ctx, credits.Settlement{Hold: h, Actual: h.Amount}))
		}
		fmt.Printf("SETTLED %d\n", held)
		time.Sleep(time.Minute) // until killed
	}
}

func startHelper(t *testing.T, mode, addr, prefix string, capacity, chunk int64, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envAddr+"="+addr, "ZDTEST_PREFIX="+prefix,
		"ZDTEST_CAP="+strconv.FormatInt(capacity, 10), "ZDTEST_CHUNK="+strconv.FormatInt(chunk, 10))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	return cmd, bufio.NewScanner(out)
}

func readValue(t *testing.T, sc *bufio.Scanner, key string) int64 {
	t.Helper()
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+" "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			must(t, err)
			return n
		}
	}
	t.Fatalf("child printed no %s line", key)
	return 0
}

func TestProcessesNeverOverspend(t *testing.T) {
	addr := redisAddr(t)
	for _, chunk := range []int64{0, 20} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			rdb := newClient(t, addr)
			prefix := uniquePrefix(t, rdb)
			const capacity, procs = 4000, 4
			var total int64
			var cmds []*exec.Cmd
			var outs []*bufio.Scanner
			for range procs {
				cmd, sc := startHelper(t, "spend", addr, prefix, capacity, chunk)
				cmds, outs = append(cmds, cmd), append(outs, sc)
			}
			for i, cmd := range cmds {
				n := readValue(t, outs[i], "TOTAL")
				t.Logf("process %d granted %d", cmd.Process.Pid, n)
				total += n
				must(t, cmd.Wait())
			}
			checkTotal(t, newLedger(t, rdb, prefix, nil), total, capacity)
		})
	}
}

func TestKilledProcessCreditsComeBack(t *testing.T) {
	addr := redisAddr(t)
	for _, chunk := range []int64{0, 30} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			rdb := newClient(t, addr)
			prefix := uniquePrefix(t, rdb)
			ctx := context.Background()
			const capacity = 100
			cmd, sc := startHelper(t, "hold", addr, prefix, capacity, chunk)
			held := readValue(t, sc, "HELD")
			must(t, cmd.Process.Signal(syscall.SIGKILL))
			cmd.Wait()
			l := newLedger(t, rdb, prefix, nil)
			s, err := l.Snapshot(ctx, day1)
			must(t, err)
			if s.Held < held || held < capacity-7 {
				t.Fatalf("child held %d; ledger shows %+v", held, s)
			}
			res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: capacity, Limit: capacity})
			must(t, err)
			if res.OK {
				t.Fatal("the dead child's credits came back before its lease expired")
			}
			deadline := time.Now().Add(3 * time.Second) // lease 1s
			for {
				res, err = l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: capacity, Limit: capacity})
				must(t, err)
				if res.OK {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("credits still held %v after the kill: %+v", 3*time.Second, res)
				}
				time.Sleep(50 * time.Millisecond)
			}
			// A late settlement of a reaped hold is still charged, once.
			must(t, l.Release(ctx, res.Hold))
		})
	}
}

func TestExpiredHoldIsStillCharged(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	prefix := uniquePrefix(t, rdb)
	ctx := context.Background()
	l := newLedger(t, rdb, prefix, nil)
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 10, Limit: 10, Lease: 30 * time.Millisecond})
	must(t, err)
	// A lease ends with its bucket: at most BucketWidth after it runs out.
	time.Sleep(30*time.Millisecond + redisledger.BucketWidth + 50*time.Millisecond)
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 0 {
		t.Fatalf("expired hold still held: %+v", s)
	}
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 8}))
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 8}))
	s, err = l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 8 || s.Held != 0 {
		t.Fatalf("late settle of an expired hold: %+v, want Spent 8", s)
	}
}

// syncLedger returns a client of the test Redis, a fresh key prefix and a
// ledger under it that writes every Settle and Release at once.
func syncLedger(t *testing.T) (*redis.Client, string, *redisledger.Ledger) {
	t.Helper()
	rdb := newClient(t, redisAddr(t))
	prefix := uniquePrefix(t, rdb)
	return rdb, prefix, newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.SettleDelay = redisledger.SettleSync })
}

// TestLeaseBuckets: a hold's credits are kept in the bucket its lease ends
// with; a short lease taken after long ones is reaped first, with its
// bucket, while the long one stays held, and an ended hold leaves its
// bucket.
func TestLeaseBuckets(t *testing.T) {
	rdb, prefix, l := syncLedger(t)
	ctx := context.Background()
	reserve := func(amount int64, lease time.Duration) credits.Hold {
		t.Helper()
		res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: amount, Limit: 100, Lease: lease})
		must(t, err)
		if !res.OK {
			t.Fatalf("Reserve(%d) refused: %+v", amount, res)
		}
		return res.Hold
	}
	dayKey := prefix + "{org1}:day:" + string(day1)
	// buckets returns the credits of the day's live buckets, by name.
	buckets := func() map[string]string {
		t.Helper()
		all, err := rdb.HGetAll(ctx, dayKey).Result()
		must(t, err)
		b := map[string]string{}
		for k, v := range all {
			if bucketField.MatchString(k) {
				b[k] = v
			}
		}
		return b
	}
	sum := func(b map[string]string) int64 {
		var n int64
		for _, v := range b {
			x, err := strconv.ParseInt(v, 10, 64)
			must(t, err)
			n += x
		}
		return n
	}
	long := reserve(10, 0)
	ended := reserve(5, 0)
	must(t, l.Settle(ctx, credits.Settlement{Hold: ended, Actual: 5}))
	short := reserve(20, 30*time.Millisecond)
	b := buckets()
	if sum(b) != 30 || len(b) < 2 {
		t.Fatalf("buckets %v: want the long hold's 10 and the short one's 20 in two buckets", b)
	}
	time.Sleep(30*time.Millisecond + redisledger.BucketWidth + 50*time.Millisecond)
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 10 || s.Spent != 5 {
		t.Fatalf("after the short lease expired: %+v, want Held 10 (the long lease) Spent 5", s)
	}
	if b := buckets(); sum(b) != 10 || len(b) != 1 {
		t.Fatalf("buckets after reaping %v, want only the long hold's 10", b)
	}
	// The reaped hold's late settlement is charged once; the long one ends.
	must(t, l.Settle(ctx, credits.Settlement{Hold: short, Actual: 7}))
	must(t, l.Settle(ctx, credits.Settlement{Hold: short, Actual: 7}))
	must(t, l.Release(ctx, long))
	s, err = l.Snapshot(ctx, day1)
	must(t, err)
	if s.Held != 0 || s.Spent != 12 {
		t.Fatalf("at the end: %+v, want Held 0 Spent 12", s)
	}
	if b := buckets(); sum(b) != 0 {
		t.Fatalf("buckets at the end %v, want nothing held", b)
	}
}

// TestScriptRepeatedHold: a run that names one hold in two updates, and
// again in a reservation, applies them in order (a deferred settlement and
// a later end of the same hold can meet in one run), as separate runs
// would.
func TestScriptRepeatedHold(t *testing.T) {
	rdb, prefix, l := syncLedger(t)
	ctx := context.Background()
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 100})
	must(t, err)
	id := res.Hold.ID
	keys := []string{prefix + "{org1}:day:" + string(day1), prefix + "{org1}:stop"}
	// m=1 reservation (the same ID, a retry), n=2 updates: spend 3 and
	// keep 5 held, then settle at 4.
	args := []any{0, 60000, -1, 0, 1, 2, id, 5, 5, 100, 60000, id, 3, 5, 0, id, 4, 0, 1}
	vals, err := redis.NewScript(redisledger.SyncSource).Run(ctx, rdb, keys, args...).Int64Slice()
	must(t, err)
	if spent, held := vals[0], vals[1]; spent != 4 || held != 0 {
		t.Fatalf("after spend 3 then settle at 4: spent %d held %d, want 4 and 0", spent, held)
	}
	if ok := vals[6]; ok != 0 {
		t.Fatalf("a reservation retried after its hold was settled in the same run was granted: %v", vals)
	}
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != 4 || s.Held != 0 {
		t.Fatalf("snapshot %+v, want Spent 4 Held 0", s)
	}
	// Settling again changes nothing.
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 4}))
	if s, _ := l.Snapshot(ctx, day1); s.Spent != 4 {
		t.Fatalf("a second settlement charged again: %+v", s)
	}
}

// bucketField matches the day hash's lease buckets (hold IDs have a dot).
var bucketField = regexp.MustCompile(`^b[0-9]+$`)

// TestLargeHolds: holds of 2^21 credits or more, whose state the script
// keeps as a string, are held, settled and reaped like small ones.
func TestLargeHolds(t *testing.T) {
	_, _, l := syncLedger(t)
	ctx := context.Background()
	const big = 3_000_000
	a, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: big, Limit: 10_000_000})
	must(t, err)
	b, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: big, Limit: 10_000_000, Lease: 30 * time.Millisecond})
	must(t, err)
	if !a.OK || !b.OK {
		t.Fatalf("reservations refused: %+v %+v", a, b)
	}
	if res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: big + 1, Limit: 2*big + big}); err != nil || res.OK {
		t.Fatalf("a third reservation over the limit: %+v %v", res, err)
	}
	time.Sleep(30*time.Millisecond + redisledger.BucketWidth + 50*time.Millisecond)
	must(t, l.Settle(ctx, credits.Settlement{Hold: a.Hold, Actual: big - 1}))
	s, err := l.Snapshot(ctx, day1)
	must(t, err)
	if s.Spent != big-1 || s.Held != 0 {
		t.Fatalf("after settling one and the other's lease ran out: %+v, want Spent %d Held 0", s, big-1)
	}
}

// TestBucketWidthMatchesScript: the Go side's bucket width is the script's.
func TestBucketWidthMatchesScript(t *testing.T) {
	want := "local W = " + strconv.FormatInt(redisledger.BucketWidth.Milliseconds(), 10) + " "
	if !strings.Contains(redisledger.SyncSource, want) {
		t.Fatalf("the script does not set %q", want)
	}
}

func TestDayBoundary(t *testing.T) {
	addr := redisAddr(t)
	for _, chunk := range []int64{0, 40} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			rdb := newClient(t, addr)
			prefix := uniquePrefix(t, rdb)
			ctx := context.Background()
			l := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.Chunk = chunk; o.Retention = time.Hour })
			d1, d2 := day1, credits.Day(time.Now().UTC().Add(24*time.Hour).Format(time.DateOnly))
			reset := time.Now().Add(time.Minute)
			r1, err := l.Reserve(ctx, credits.ReserveRequest{Day: d1, Reset: reset, Amount: 10, Limit: 100})
			must(t, err)
			// The day turns while the call is in flight.
			r2, err := l.Reserve(ctx, credits.ReserveRequest{Day: d2, Reset: reset.Add(24 * time.Hour), Amount: 5, Limit: 100})
			must(t, err)
			if !r1.OK || !r2.OK || r2.Available != 100 {
				t.Fatalf("r1 %+v r2 %+v: the new day must start empty", r1, r2)
			}
			must(t, l.Settle(ctx, credits.Settlement{Hold: r1.Hold, Actual: 12}))
			must(t, l.Settle(ctx, credits.Settlement{Hold: r2.Hold, Actual: 5}))
			s1, err := l.Snapshot(ctx, d1)
			must(t, err)
			s2, err := l.Snapshot(ctx, d2)
			must(t, err)
			must(t, l.Close(ctx))
			s1, _ = l.Snapshot(ctx, d1)
			s2, _ = l.Snapshot(ctx, d2)
			if s1.Spent != 12 || s1.Held != 0 || s2.Spent != 5 || s2.Held != 0 {
				t.Fatalf("day 1 %+v\nday 2 %+v", s1, s2)
			}
			ttl, err := rdb.PTTL(ctx, prefix+"{org1}:day:"+string(d1)).Result()
			must(t, err)
			if want := time.Until(reset.Add(time.Hour)); ttl < want-5*time.Second || ttl > want+time.Second {
				t.Fatalf("day key expires in %v, want about %v (reset + retention)", ttl, want)
			}
		})
	}
}

func TestCorruptValuesAreReported(t *testing.T) {
	addr := redisAddr(t)
	rdb := newClient(t, addr)
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(p string) error
	}{
		{"day key is a string", func(p string) error { return rdb.Set(ctx, p+"{org1}:day:"+string(day1), "hello", 0).Err() }},
		{"spent is not a number", func(p string) error {
			return rdb.HSet(ctx, p+"{org1}:day:"+string(day1), "spent", "12abc").Err()
		}},
		{"held is negative", func(p string) error { return rdb.HSet(ctx, p+"{org1}:day:"+string(day1), "held", "-5").Err() }},
		{"day key is a list", func(p string) error { return rdb.LPush(ctx, p+"{org1}:day:"+string(day1), "x").Err() }},
		{"reaping mark is not a number", func(p string) error {
			return rdb.HSet(ctx, p+"{org1}:day:"+string(day1), "spent", "0", "rp", "soon").Err()
		}},
		{"a lease bucket is not a number", func(p string) error {
			// Reaping reads the bucket that has just ended.
			ep := time.Now().Unix()
			return rdb.HSet(ctx, p+"{org1}:day:"+string(day1), "spent", "0", "held", "5", "ext", "0",
				"rp", ep-3, "hi", ep+100, "b"+strconv.FormatInt(ep-2, 10), "lots").Err()
		}},
		{"a lease bucket is negative", func(p string) error {
			ep := time.Now().Unix()
			return rdb.HSet(ctx, p+"{org1}:day:"+string(day1), "spent", "0", "held", "5", "ext", "0",
				"rp", ep-3, "hi", ep+100, "b"+strconv.FormatInt(ep-2, 10), "-5").Err()
		}},
		{"stop is not a number", func(p string) error { return rdb.Set(ctx, p+"{org1}:stop", "soon", 0).Err() }},
		{"stop is a set", func(p string) error { return rdb.SAdd(ctx, p+"{org1}:stop", "1").Err() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := uniquePrefix(t, rdb)
			must(t, tc.setup(prefix))
			before := dumpKeys(t, rdb, prefix)
			var outages atomic.Int32
			l := newLedger(t, rdb, prefix, func(o *redisledger.Options) {
				o.LocalShare = 1000
				o.OnOutage = func(error) { outages.Add(1) }
			})
			_, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 1, Limit: 100})
			if !errors.Is(err, redisledger.ErrCorrupt) || !errors.Is(err, credits.ErrLedgerUnavailable) {
				t.Fatalf("Reserve: %v; want ErrCorrupt and ErrLedgerUnavailable", err)
			}
			var ce *redisledger.CorruptError
			if !errors.As(err, &ce) || !strings.Contains(ce.Detail, prefix) {
				t.Fatalf("error %v does not name the key", err)
			}
			_, err = l.Snapshot(ctx, day1)
			if !errors.Is(err, redisledger.ErrCorrupt) {
				t.Fatalf("Snapshot: %v", err)
			}
			if outages.Load() != 0 {
				t.Fatal("a corrupt value is not an outage: the local share must not be used")
			}
			if after := dumpKeys(t, rdb, prefix); !maps.Equal(before, after) {
				t.Fatalf("the scripts wrote next to a corrupt value: keys before %q, after %q", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
		})
	}
}

// TestCorruptHoldStateIsReported: a hold's state is read when a call names
// the hold; one the scripts did not write is reported and nothing is
// written.
func TestCorruptHoldStateIsReported(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{"bogus", "a|x|0|1", "-4", "1.5", "99999999999999999999", "a|1|2"} {
		t.Run(bad, func(t *testing.T) {
			rdb, prefix, l := syncLedger(t)
			res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 100})
			must(t, err)
			must(t, rdb.HSet(ctx, prefix+"{org1}:day:"+string(day1), res.Hold.ID, bad).Err())
			before := dumpKeys(t, rdb, prefix)
			err = l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 5})
			var ce *redisledger.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, credits.ErrLedgerUnavailable) || !strings.Contains(ce.Detail, res.Hold.ID) {
				t.Fatalf("Settle over state %q: %v; want a CorruptError naming the hold", bad, err)
			}
			if after := dumpKeys(t, rdb, prefix); !maps.Equal(before, after) {
				t.Fatal("the script wrote next to a corrupt hold state")
			}
		})
	}
}

// dumpKeys returns the serialised value (DUMP) of every key under prefix.
func dumpKeys(t *testing.T, rdb *redis.Client, prefix string) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	must(t, err)
	m := map[string]string{}
	for _, k := range keys {
		v, err := rdb.Dump(ctx, k).Result()
		must(t, err)
		m[k] = v
	}
	return m
}

func TestOutageFailsClosedToLocalShare(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	prefix := uniquePrefix(t, direct)
	ctx := context.Background()
	px := newProxy(t, addr)
	rdb := newClient(t, px.addr)
	var outages, recoveries atomic.Int32
	const share, capacity = 30, 200
	l := newLedger(t, rdb, prefix, func(o *redisledger.Options) {
		o.LocalShare = share
		o.RetryInterval = 100 * time.Millisecond
		o.OpTimeout = 300 * time.Millisecond
		o.OnOutage = func(error) { outages.Add(1) }
		o.OnRecover = func(time.Duration) { recoveries.Add(1) }
	})
	other := newLedger(t, direct, prefix, nil) // another process, still connected

	reserve := func(l *redisledger.Ledger, n int64) (credits.ReserveResult, error) {
		return l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: n, Limit: capacity})
	}
	// Before: 100 of 200 spent through Redis, and a hold in flight.
	res, err := reserve(l, 100)
	must(t, err)
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 100}))
	inflight, err := reserve(l, 10)
	must(t, err)

	px.Stop()
	var granted int64
	var holds []credits.Hold
	for range 20 {
		res, err := reserve(l, 4)
		if errors.Is(err, redisledger.ErrLocalShareExhausted) {
			if !errors.Is(err, credits.ErrLedgerUnavailable) {
				t.Fatalf("%v does not match ErrLedgerUnavailable", err)
			}
			continue
		}
		must(t, err)
		if res.OK {
			granted += 4
			holds = append(holds, res.Hold)
		}
	}
	if granted > share || granted < share-4 {
		t.Fatalf("granted %d during the outage with a local share of %d", granted, share)
	}
	if outages.Load() != 1 {
		t.Fatalf("OnOutage called %d times", outages.Load())
	}
	for _, h := range holds {
		must(t, l.Settle(ctx, credits.Settlement{Hold: h, Actual: h.Amount}))
	}
	must(t, l.Settle(ctx, credits.Settlement{Hold: inflight.Hold, Actual: 10})) // queued
	s, err := l.Snapshot(ctx, day1)
	must(t, err) // served from what is known
	if s.Spent != 100+granted {
		t.Fatalf("snapshot during the outage: %+v", s)
	}
	// Meanwhile the other process spends the rest of what it can see.
	res, err = reserve(other, capacity-100-10)
	must(t, err)
	if !res.OK {
		t.Fatalf("other: %+v", res)
	}
	must(t, other.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: res.Hold.Amount}))

	px.Start(t)
	time.Sleep(150 * time.Millisecond)
	res, err = reserve(l, 1)
	must(t, err)
	if res.OK {
		t.Fatalf("after recovery the org is over: %+v", res)
	}
	if recoveries.Load() != 1 {
		t.Fatalf("OnRecover called %d times", recoveries.Load())
	}
	s, err = other.Snapshot(ctx, day1)
	must(t, err)
	if want := int64(capacity + granted); s.Spent != want || s.Held != 0 {
		t.Fatalf("after recovery: %+v; want Spent %d (the outage's spend written back) and Held 0", s, want)
	}
	t.Logf("outage granted %d (share %d); overspend bounded by the share: %d over a cap of %d", granted, share, s.Spent-capacity, capacity)
	must(t, l.Close(ctx))
}

// TestOutageRefusesWhatWasKnownFull: the local share is not spent when the
// last state from Redis shows the day cannot afford it.
func TestOutageRefusesWhatWasKnownFull(t *testing.T) {
	addr := redisAddr(t)
	direct := newClient(t, addr)
	prefix := uniquePrefix(t, direct)
	ctx := context.Background()
	px := newProxy(t, addr)
	rdb := newClient(t, px.addr)
	l := newLedger(t, rdb, prefix, func(o *redisledger.Options) { o.LocalShare = 50; o.OpTimeout = 300 * time.Millisecond })
	res, err := l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 95, Limit: 100})
	must(t, err)
	must(t, l.Settle(ctx, credits.Settlement{Hold: res.Hold, Actual: 95}))
	px.Stop()
	res, err = l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 6, Limit: 100})
	must(t, err)
	if res.OK {
		t.Fatalf("granted %+v past the known cap during the outage", res)
	}
	res, err = l.Reserve(ctx, credits.ReserveRequest{Day: day1, Amount: 5, Limit: 100})
	must(t, err)
	if !res.OK {
		t.Fatalf("refused %+v though it fits", res)
	}
	must(t, l.Release(ctx, res.Hold))
}
