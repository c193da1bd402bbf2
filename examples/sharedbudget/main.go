// Command sharedbudget shows a fleet of worker processes sharing one credit
// cap through the Redis ledger (package credits/redisledger), against one
// fake Zoho Desk server (package desk/desktest).
//
// The parent process starts the fake server and re-executes itself -workers
// times as workers. Each worker pages through and reads tickets through the
// real client until the shared budget refuses it (credits.ErrBudgetExhausted),
// then prints one line: "RESULT " and a JSON object with what it spent. The
// parent prints, per worker and in total, what the workers saw charged and
// what the server charged, and exits non-zero if the total passed the cap.
//
//	go run ./examples/sharedbudget -workers 4 -cap 2000
//
// It needs a Redis server (-redis, by default $ZOHODESK_TEST_REDIS or
// 127.0.0.1:6379). Each run uses a key prefix of its own and deletes its
// keys at the end.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/credits/redisledger"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
)

// workerEnv carries a worker's configuration (JSON) from the parent; a
// process started with it set is a worker. The access token travels here
// rather than on the command line, where other users could read it.
const workerEnv = "SHAREDBUDGET_WORKER"

// resultPrefix starts the one line a worker prints with its result.
const resultPrefix = "RESULT "

// startRedis is how to start a Redis server for this example.
const startRedis = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`

// ErrOverspent: the fleet spent more than its cap. It never happens unless
// the ledger is broken; the example exists to show it does not.
var ErrOverspent = errors.New("sharedbudget: the fleet spent more than its cap")

// ErrNoRedis: no Redis server answered at the given address.
var ErrNoRedis = errors.New("sharedbudget: Redis is not reachable")

func main() {
	if os.Getenv(workerEnv) != "" {
		os.Exit(workerMain(os.Stdout, os.Stderr))
	}
	cfg := FleetConfig{Stderr: os.Stderr}
	flag.IntVar(&cfg.Workers, "workers", 4, "number of worker processes")
	flag.Int64Var(&cfg.Cap, "cap", 2000, "credits the whole fleet may spend (at least 2)")
	flag.StringVar(&cfg.Redis, "redis", defaultRedis(), "Redis address (host:port)")
	flag.Int64Var(&cfg.Chunk, "chunk", 0, "credits each worker leases from Redis at a time (0: one Redis decision per call)")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := RunFleet(ctx, cfg)
	if err != nil {
		if errors.Is(err, ErrNoRedis) {
			fmt.Fprintf(os.Stderr, "sharedbudget: %v\nStart a local Redis with:\n\n\t%s\n\nor point -redis (or ZOHODESK_TEST_REDIS) at one.\n", err, startRedis)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "sharedbudget: %v\n", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
	if err := rep.Check(); err != nil {
		fmt.Fprintf(os.Stderr, "sharedbudget: %v\n", err)
		os.Exit(1)
	}
}

func defaultRedis() string {
	if a := os.Getenv("ZOHODESK_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// FleetConfig configures RunFleet.
type FleetConfig struct {
	// Workers is the number of worker processes; at least 1.
	Workers int
	// Cap is what the fleet may spend, in credits; at least 2 and at most
	// the fake organisation's daily allotment.
	Cap int64
	// Redis is the Redis server's address.
	Redis string
	// Chunk is redisledger.Options.Chunk for every worker.
	Chunk int64
	// Exe is the program started as a worker with workerEnv set; empty
	// means this program (os.Args[0]). Tests pass their own binary, whose
	// TestMain runs workerMain.
	Exe string
	// Stderr receives the workers' diagnostics; nil discards them.
	Stderr io.Writer
}

// WorkerConfig is what the parent tells a worker.
type WorkerConfig struct {
	ID     int          `json:"id"`
	URL    string       `json:"url"`
	OrgID  string       `json:"org_id"`
	Token  string       `json:"token"`
	Plan   credits.Plan `json:"plan"`
	Redis  string       `json:"redis"`
	Prefix string       `json:"prefix"`
	Cap    int64        `json:"cap"`
	Chunk  int64        `json:"chunk"`
}

// WorkerResult is the one line a worker prints.
type WorkerResult struct {
	ID int `json:"id"`
	// Calls is the number of API calls the server answered.
	Calls int64 `json:"calls"`
	// Charged is what those calls were charged, as the responses' credit
	// headers said.
	Charged int64 `json:"charged"`
	// Refusals is the number of calls the shared budget refused before the
	// worker gave up.
	Refusals int `json:"refusals"`
}

// FleetReport is what a run of the fleet spent.
type FleetReport struct {
	Cap     int64
	Workers []WorkerResult
	// Total is the sum of what the workers saw charged.
	Total int64
	// ServerCharged is what the fake Desk server charged in all.
	ServerCharged int64
	// LedgerSpent is what the shared ledger recorded for the day.
	LedgerSpent int64
	Elapsed     time.Duration
}

// Check returns an error matching ErrOverspent when the fleet spent more
// than its cap, by its own count, by the server's or by the ledger's.
func (r FleetReport) Check() error {
	if over := max(r.Total, r.ServerCharged, r.LedgerSpent); over > r.Cap {
		return fmt.Errorf("workers %d, server %d, ledger %d credits against a cap of %d: %w", r.Total, r.ServerCharged, r.LedgerSpent, r.Cap, ErrOverspent)
	}
	return nil
}

// Print writes the report as a table.
func (r FleetReport) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "worker\tcalls\tcharged\trefusals\t")
	for _, wr := range r.Workers {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t\n", wr.ID, wr.Calls, wr.Charged, wr.Refusals)
	}
	var calls int64
	for _, wr := range r.Workers {
		calls += wr.Calls
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\t\n", calls, r.Total)
	tw.Flush()
	fmt.Fprintf(w, "\nserver charged %d, ledger recorded %d, cap %d (%.1f%% used) in %v\n",
		r.ServerCharged, r.LedgerSpent, r.Cap, 100*float64(r.ServerCharged)/float64(r.Cap), r.Elapsed.Round(time.Millisecond))
	if r.Check() == nil {
		fmt.Fprintf(w, "OK: %d workers together stayed within the cap\n", len(r.Workers))
	}
}

// RunFleet starts a fake Desk server and cfg.Workers worker processes
// sharing cfg.Cap through the Redis ledger, waits for them (bounded by
// ctx), and reports what was spent. It deletes the run's Redis keys before
// it returns. It returns an error matching ErrNoRedis when Redis does not
// answer; the caller checks the report with Check.
func RunFleet(ctx context.Context, cfg FleetConfig) (FleetReport, error) {
	if cfg.Workers < 1 {
		return FleetReport{}, fmt.Errorf("sharedbudget: -workers %d: need at least 1", cfg.Workers)
	}
	if cfg.Cap < 2 {
		return FleetReport{}, fmt.Errorf("sharedbudget: -cap %d: need at least 2 credits", cfg.Cap)
	}
	if cfg.Chunk < 0 {
		return FleetReport{}, fmt.Errorf("sharedbudget: -chunk %d is negative", cfg.Chunk)
	}
	exe := cfg.Exe
	if exe == "" {
		exe = os.Args[0]
	}
	rdb := redis.NewClient(&redis.Options{Addr: cfg.Redis, DialTimeout: time.Second, MaxRetries: -1})
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	err := rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		return FleetReport{}, fmt.Errorf("%w at %s: %w", ErrNoRedis, cfg.Redis, err)
	}

	srv := desktest.NewServer(desktest.Options{})
	defer srv.Close()
	if cfg.Cap > srv.Daily() {
		return FleetReport{}, fmt.Errorf("sharedbudget: -cap %d is above the organisation's daily allotment of %d", cfg.Cap, srv.Daily())
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return FleetReport{}, fmt.Errorf("sharedbudget: making a key prefix: %w", err)
	}
	prefix := "sharedbudget:" + hex.EncodeToString(b[:]) + ":"
	defer deleteKeys(rdb, prefix)

	var stderr io.Writer
	if cfg.Stderr != nil {
		stderr = &lockedWriter{w: cfg.Stderr} // the workers write at once
	}
	start := time.Now()
	results := make([]WorkerResult, cfg.Workers)
	errs := make([]error, cfg.Workers)
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		wc := WorkerConfig{ID: i + 1, URL: srv.URL(), OrgID: srv.OrgID(), Token: srv.AccessToken(), Plan: srv.Plan(),
			Redis: cfg.Redis, Prefix: prefix, Cap: cfg.Cap, Chunk: cfg.Chunk}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = runWorkerProcess(ctx, exe, wc, stderr)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return FleetReport{}, err
	}
	rep := FleetReport{Cap: cfg.Cap, Workers: results, ServerCharged: srv.Charged(), Elapsed: time.Since(start)}
	for _, r := range results {
		rep.Total += r.Charged
	}
	spent, err := ledgerSpent(ctx, rdb, srv.OrgID(), prefix, srv.Now())
	if err != nil {
		return rep, err
	}
	rep.LedgerSpent = spent
	return rep, nil
}

// runWorkerProcess runs one worker process and reads its result line.
func runWorkerProcess(ctx context.Context, exe string, wc WorkerConfig, stderr io.Writer) (WorkerResult, error) {
	js, err := json.Marshal(wc)
	if err != nil {
		return WorkerResult{}, fmt.Errorf("sharedbudget: worker %d: %w", wc.ID, err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), workerEnv+"="+string(js))
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	if stderr != nil {
		cmd.Stderr = stderr
	}
	if err := cmd.Run(); err != nil {
		return WorkerResult{}, fmt.Errorf("sharedbudget: worker %d: %w (output: %q)", wc.ID, err, tail(out.String()))
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), resultPrefix); ok {
			var r WorkerResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				return WorkerResult{}, fmt.Errorf("sharedbudget: worker %d printed a bad result %q: %w", wc.ID, line, err)
			}
			return r, nil
		}
	}
	return WorkerResult{}, fmt.Errorf("sharedbudget: worker %d printed no result line (output: %q)", wc.ID, tail(out.String()))
}

// lockedWriter serialises writes from the workers' output copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func tail(s string) string {
	if len(s) > 500 {
		return "..." + s[len(s)-500:]
	}
	return s
}

// ledgerSpent reads what the shared ledger recorded for the day of now.
func ledgerSpent(ctx context.Context, rdb *redis.Client, org, prefix string, now time.Time) (int64, error) {
	l, err := redisledger.New(rdb, redisledger.Options{OrgKey: org, Prefix: prefix})
	if err != nil {
		return 0, err
	}
	defer l.Close(ctx)
	snap, err := l.Snapshot(ctx, credits.Day(now.UTC().Format(time.DateOnly)))
	if err != nil {
		return 0, fmt.Errorf("sharedbudget: reading the ledger: %w", err)
	}
	return snap.Spent, nil
}

// deleteKeys deletes every key under prefix, within a bounded time.
func deleteKeys(rdb *redis.Client, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// workerMain runs the worker described by workerEnv and returns the exit code.
func workerMain(stdout, stderr io.Writer) int {
	var wc WorkerConfig
	if err := json.Unmarshal([]byte(os.Getenv(workerEnv)), &wc); err != nil {
		fmt.Fprintf(stderr, "sharedbudget worker: bad %s: %v\n", workerEnv, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := RunWorker(ctx, wc)
	if err != nil {
		fmt.Fprintf(stderr, "sharedbudget worker %d: %v\n", wc.ID, err)
		return 1
	}
	js, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(stderr, "sharedbudget worker %d: %v\n", wc.ID, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s%s\n", resultPrefix, js)
	return 0
}

// maxRefusals is how many refusals in a row end a worker. One would do for
// a fleet without leasing; with -chunk, credits another worker leased but
// has not used come back when it takes its next chunk or ends, so a refused
// worker waits a little and asks again before giving up.
const maxRefusals = 10

// RunWorker pages through tickets and reads each one through a client that
// shares wc.Cap through the Redis ledger, until the budget refuses it
// maxRefusals times in a row. It closes its ledger (writing what is deferred
// and giving back leased credits) before it returns.
func RunWorker(ctx context.Context, wc WorkerConfig) (WorkerResult, error) {
	res := WorkerResult{ID: wc.ID}
	rdb := redis.NewClient(&redis.Options{Addr: wc.Redis, DialTimeout: time.Second})
	defer rdb.Close()
	ledger, err := redisledger.New(rdb, redisledger.Options{OrgKey: wc.OrgID, Prefix: wc.Prefix, Chunk: wc.Chunk})
	if err != nil {
		return res, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ledger.Close(cctx)
	}()
	c, err := desk.NewClient(desk.Config{
		BaseURL:           wc.URL,
		AllowInsecureHTTP: true,
		OrgID:             wc.OrgID,
		TokenSource:       desk.StaticToken(wc.Token),
		Plan:              wc.Plan,
		Zone:              time.UTC,
		Budget:            credits.Budget{Cap: float64(wc.Cap)},
		Ledger:            ledger,
	})
	if err != nil {
		return res, err
	}
	// spent accounts for one call; it reports whether the worker goes on.
	spent := func(resp *desk.Response, err error) (bool, error) {
		if resp != nil && resp.Credits.Charged > 0 {
			res.Calls++
			res.Charged += resp.Credits.Charged
		}
		switch {
		case err == nil:
			res.Refusals = 0
			return true, nil
		case errors.Is(err, credits.ErrBudgetExhausted):
			res.Refusals++
			if res.Refusals >= maxRefusals {
				return false, nil
			}
			select {
			case <-time.After(30 * time.Millisecond):
				return true, nil
			case <-ctx.Done():
				return false, ctx.Err()
			}
		default:
			return false, err
		}
	}
	from := 1 + 100*(wc.ID-1) // workers start on different pages
	for {
		tickets, resp, err := c.Tickets.List(ctx, &desk.TicketListOptions{ListOptions: desk.ListOptions{From: from, Limit: 10}})
		if more, serr := spent(resp, err); !more {
			return res, serr
		}
		if err != nil {
			continue // refused: the same page again
		}
		if len(tickets) == 0 {
			from = 1
			continue
		}
		from += len(tickets)
		for _, t := range tickets {
			_, resp, err := c.Tickets.Get(ctx, t.ID)
			if more, err := spent(resp, err); !more {
				return res, err
			}
		}
	}
}
