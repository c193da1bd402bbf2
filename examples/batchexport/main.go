// Command batchexport exports every ticket with its threads to a JSON Lines
// file (one {"ticket": ..., "threads": [...]} record a line) under a job
// credit cap.
//
// It first prints what the whole export should cost (the governor's
// estimate of the list pages and of one threads list per ticket) and
// whether that fits in what is left of today's credits, then exports with a
// progress bar. When the next call would take the job past -cap credits it
// stops cleanly, writes a checkpoint (the next offset, the tickets exported,
// the credits spent, the output path) and exits; run it again with -resume
// to continue from the checkpoint without duplicates or gaps. A ticket's
// record is written only once its threads have all been fetched, so a stop
// never leaves half a record.
//
// Like examples/quickstart it runs on an in-process fake Desk server
// (package desktest) with no environment, and against a real organisation
// with ZOHODESK_ORG_ID, ZOHODESK_DC, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and
// ZOHO_REFRESH_TOKEN set (ZOHODESK_EDITION and ZOHODESK_AGENTS describe the
// plan).
//
//	batchexport -cap 500                 # stops at the cap, writes tickets.jsonl.checkpoint.json
//	batchexport -cap 500 -resume         # continues where it stopped
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"github.com/go-zohodesk/zohodesk/desk/desktest"
	"github.com/go-zohodesk/zohodesk/internal/exampleenv"
	"github.com/schollz/progressbar/v3"
)

// pageSize is the tickets listed per call: the largest page, so the fewest
// list credits.
const pageSize = 100

// jobName names the export's credit job in the governor's usage report.
const jobName = "batchexport"

// ErrBadInput is wrapped by every error about the command line or the files
// it names, as opposed to errors from Desk or the network.
var ErrBadInput = errors.New("bad input")

// Options are the command's flags.
type Options struct {
	// Out is the JSON Lines file written.
	Out string
	// Checkpoint is the checkpoint file; "" means Out + ".checkpoint.json".
	Checkpoint string
	// Cap is the most credits this run may spend (its job cap); it must be
	// positive.
	Cap int64
	// Resume continues the export recorded in Checkpoint, appending to Out.
	Resume bool
}

func (o *Options) validate() error {
	if o.Cap <= 0 {
		return fmt.Errorf("-cap must be a positive number of credits, not %d: %w", o.Cap, ErrBadInput)
	}
	if o.Out == "" {
		return fmt.Errorf("-out is empty: name the JSON Lines file to write: %w", ErrBadInput)
	}
	if o.Checkpoint == "" {
		o.Checkpoint = o.Out + ".checkpoint.json"
	}
	return nil
}

// Checkpoint is where an export stopped. It is written atomically (a
// temporary file renamed over the old one), so it is always whole.
type Checkpoint struct {
	// Next is the offset (From) of the first ticket not exported.
	Next int `json:"next"`
	// Exported is the tickets written to Output so far, over all runs.
	Exported int `json:"tickets_exported"`
	// CreditsSpent is what all runs were charged, in credits.
	CreditsSpent int64 `json:"credits_spent"`
	// Output is the JSON Lines file, and OutputBytes its size after the
	// last record: a resume refuses a file of another size rather than risk
	// duplicates or gaps.
	Output      string `json:"output"`
	OutputBytes int64  `json:"output_bytes"`
	// Total is the ticket count when the export started.
	Total int64 `json:"total"`
	// Complete is set when every ticket was exported.
	Complete bool `json:"complete"`
}

// Record is one line of the output.
type Record struct {
	Ticket  desk.Ticket   `json:"ticket"`
	Threads []desk.Thread `json:"threads"`
}

// Result is what one run did.
type Result struct {
	// Exported is the tickets this run wrote.
	Exported int
	// Spent is the credits this run was charged.
	Spent int64
	// Stopped is set when the run stopped at the job cap.
	Stopped    bool
	Checkpoint Checkpoint
}

// Estimate is the planned cost of what is left of an export.
type Estimate struct {
	Tickets     int64 // tickets left to export
	ListPages   int64
	ThreadLists int64
	Credits     int64 // the governor's estimate of all those calls
	// LeftToday is the credits the client may still spend today (what its
	// budget has left, or Desk's reported remaining when lower).
	LeftToday int64
}

// Fits reports whether the estimate fits in what is left today.
func (e Estimate) Fits() bool { return e.Credits <= e.LeftToday }

// estimate prices the planned calls from offset from to total with the
// client's Estimate (the governor's cost model): one list page per pageSize
// tickets and one threads list per ticket (a ticket with more than pageSize
// threads costs one more call a page, which the plan does not foresee).
func estimate(ctx context.Context, c *desk.Client, from int, total int64) (Estimate, error) {
	e := Estimate{Tickets: max(total-int64(from), 0)}
	var calls []credits.Call
	for f := int64(from); f < total; f += pageSize {
		q := url.Values{"from": {strconv.FormatInt(f, 10)}, "limit": {strconv.Itoa(pageSize)}}
		calls = append(calls, credits.Call{Method: "GET", Path: "/tickets", Query: q})
		e.ListPages++
	}
	threads := credits.Call{Method: "GET", Path: "/tickets/1/threads", Query: url.Values{"limit": {strconv.Itoa(pageSize)}}}
	for range e.Tickets {
		calls = append(calls, threads)
	}
	e.ThreadLists = e.Tickets
	est, err := c.Estimate(ctx, calls...)
	if err != nil {
		return e, fmt.Errorf("estimating the export: %w", err)
	}
	e.Credits, e.LeftToday = est.Credits, est.Available
	if u := c.Usage(); u.HasOrgRemaining {
		e.LeftToday = min(e.LeftToday, u.OrgRemaining)
	}
	return e, nil
}

// Export runs one capped export (or the continuation of one, with
// opts.Resume) through c, printing the estimate to stdout and the progress
// bar to progress (nil for none). Stopping at the cap is not an error: the
// Result says Stopped and the checkpoint is written. Any other stop writes
// the checkpoint too, then returns the error.
func Export(ctx context.Context, c *desk.Client, opts Options, stdout, progress io.Writer) (Result, error) {
	if err := opts.validate(); err != nil {
		return Result{}, err
	}
	cp, out, err := openOutput(opts)
	if err != nil {
		return Result{}, err
	}
	defer out.Close()

	jobCtx := credits.WithJob(ctx, credits.Job{Name: jobName, Cap: opts.Cap})
	if cp.Total == 0 {
		n, resp, err := c.Tickets.Count(jobCtx, nil)
		if err != nil {
			return Result{}, fmt.Errorf("counting the tickets to plan the export (a count costs about 50 credits): %w", err)
		}
		cp.Total = n
		fmt.Fprintf(stdout, "counted %d tickets (%d credits)\n", n, resp.Credits.Charged)
	}
	est, err := estimate(jobCtx, c, cp.Next, cp.Total)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(stdout, "export plan: %d tickets left from offset %d: %d list pages + %d thread lists\n",
		est.Tickets, cp.Next, est.ListPages, est.ThreadLists)
	verdict := "fits"
	if !est.Fits() {
		verdict = "does NOT fit"
	}
	fmt.Fprintf(stdout, "estimated cost: %d credits; %d credits left today: %s today\n", est.Credits, est.LeftToday, verdict)
	if est.Credits > opts.Cap {
		fmt.Fprintf(stdout, "the job cap of %d credits will stop this run early; resume with -resume\n", opts.Cap)
	}

	w := bufio.NewWriter(out)
	bar := newBar(progress, cp.Total, int64(cp.Next))
	res := Result{}
	spent := func() int64 { return jobSpent(c) }
	save := func() error {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", opts.Out, err)
		}
		if err := out.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", opts.Out, err)
		}
		st, err := out.Stat()
		if err != nil {
			return fmt.Errorf("reading the size of %s: %w", opts.Out, err)
		}
		cp.OutputBytes = st.Size()
		return writeCheckpoint(opts.Checkpoint, cp)
	}
	baseSpent := cp.CreditsSpent
	var stopErr error
	list := &desk.TicketListOptions{ListOptions: desk.ListOptions{From: cp.Next, Limit: pageSize}}
	for t, err := range c.Tickets.All(jobCtx, list) {
		if err != nil {
			stopErr = err
			break
		}
		var threads []desk.Thread
		for th, err := range c.Threads.All(jobCtx, t.ID, &desk.ThreadListOptions{ListOptions: desk.ListOptions{Limit: pageSize}}) {
			if err != nil {
				stopErr = fmt.Errorf("fetching the threads of ticket %s: %w", t.ID, err)
				break
			}
			threads = append(threads, th)
		}
		if stopErr != nil {
			break
		}
		line, err := json.Marshal(Record{Ticket: t, Threads: threads})
		if err != nil {
			stopErr = fmt.Errorf("encoding ticket %s: %w", t.ID, err)
			break
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			stopErr = fmt.Errorf("writing %s: %w", opts.Out, err)
			break
		}
		cp.Next++
		cp.Exported++
		res.Exported++
		s := spent()
		cp.CreditsSpent = baseSpent + s
		if bar != nil {
			bar.Describe(fmt.Sprintf("credits spent %d, left %d", s, opts.Cap-s))
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		if stopErr == nil {
			_ = bar.Finish()
		} else {
			_ = bar.Exit() // leave the bar where the export stopped
		}
		fmt.Fprintln(progress)
	}
	res.Spent = spent()
	cp.CreditsSpent = baseSpent + res.Spent
	switch {
	case stopErr == nil:
		cp.Complete = true
	case errors.Is(stopErr, credits.ErrJobCapReached):
		res.Stopped = true
	}
	if err := save(); err != nil {
		return res, errors.Join(stopErr, err)
	}
	res.Checkpoint = cp
	switch {
	case cp.Complete:
		fmt.Fprintf(stdout, "done: %d tickets exported to %s (%d this run), %d credits spent (%d this run)\n",
			cp.Exported, opts.Out, res.Exported, cp.CreditsSpent, res.Spent)
	case res.Stopped:
		fmt.Fprintf(stdout, "stopped at the job cap of %d credits after %d tickets (%d in all); checkpoint %s: run again with -resume to continue from offset %d\n",
			opts.Cap, res.Exported, cp.Exported, opts.Checkpoint, cp.Next)
	default:
		return res, fmt.Errorf("export stopped at offset %d (checkpoint %s written; -resume continues): %w", cp.Next, opts.Checkpoint, stopErr)
	}
	return res, nil
}

// openOutput opens the output for a fresh export (refusing an existing
// file: it is never truncated) or, with Resume, loads the checkpoint and
// opens the output for appending after checking it is the file the
// checkpoint describes.
func openOutput(opts Options) (Checkpoint, *os.File, error) {
	if !opts.Resume {
		f, err := os.OpenFile(opts.Out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return Checkpoint{}, nil, fmt.Errorf("%s already exists: pass -resume to continue the export it holds, or remove it to start again: %w", opts.Out, ErrBadInput)
		}
		if err != nil {
			return Checkpoint{}, nil, fmt.Errorf("creating %s: %w", opts.Out, err)
		}
		return Checkpoint{Output: opts.Out}, f, nil
	}
	cp, err := readCheckpoint(opts.Checkpoint)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	switch {
	case cp.Complete:
		return Checkpoint{}, nil, fmt.Errorf("the checkpoint %s says the export to %s is complete (%d tickets): nothing to resume: %w", opts.Checkpoint, cp.Output, cp.Exported, ErrBadInput)
	case cp.Output != opts.Out:
		return Checkpoint{}, nil, fmt.Errorf("the checkpoint %s is for %s, not %s: pass -out %s: %w", opts.Checkpoint, cp.Output, opts.Out, cp.Output, ErrBadInput)
	}
	f, err := os.OpenFile(opts.Out, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, nil, fmt.Errorf("the checkpoint %s names %s, which does not exist: %w", opts.Checkpoint, opts.Out, ErrBadInput)
	}
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("opening %s to append: %w", opts.Out, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return Checkpoint{}, nil, fmt.Errorf("reading the size of %s: %w", opts.Out, err)
	}
	if st.Size() != cp.OutputBytes {
		f.Close()
		return Checkpoint{}, nil, fmt.Errorf("%s is %d bytes but the checkpoint %s recorded %d: it changed since, so resuming could duplicate or skip tickets: %w",
			opts.Out, st.Size(), opts.Checkpoint, cp.OutputBytes, ErrBadInput)
	}
	return cp, f, nil
}

func readCheckpoint(path string) (Checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Checkpoint{}, fmt.Errorf("no checkpoint at %s: -resume continues a capped export; run without -resume first (or pass -checkpoint): %w", path, ErrBadInput)
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("reading the checkpoint: %w", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return Checkpoint{}, fmt.Errorf("the checkpoint %s is not valid JSON: %v: %w", path, err, ErrBadInput)
	}
	if cp.Next < 0 || cp.Exported < 0 || cp.OutputBytes < 0 || cp.Output == "" {
		return Checkpoint{}, fmt.Errorf("the checkpoint %s is inconsistent (next %d, exported %d, output %q): %w", path, cp.Next, cp.Exported, cp.Output, ErrBadInput)
	}
	return cp, nil
}

// writeCheckpoint writes cp to path atomically: a temporary file in the
// same directory, synced, then renamed over path.
func writeCheckpoint(path string, cp Checkpoint) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing the checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the checkpoint %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing the checkpoint %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing the checkpoint %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing the checkpoint %s: %w", path, err)
	}
	return nil
}

// jobSpent returns what the export's job was charged in this process.
func jobSpent(c *desk.Client) int64 {
	for _, j := range c.Governor().Usage().Jobs {
		if j.Name == jobName {
			return j.Spent
		}
	}
	return 0
}

func newBar(w io.Writer, total, done int64) *progressbar.ProgressBar {
	if w == nil {
		return nil
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("credits spent 0"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("tickets"),
		progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000), // 100 ms
	)
	_ = bar.Set64(done)
	return bar
}

func main() {
	log.SetFlags(0)
	var opts Options
	flag.StringVar(&opts.Out, "out", "tickets.jsonl", "the JSON Lines file to write (never truncated)")
	flag.Int64Var(&opts.Cap, "cap", 2000, "the most credits this run may spend (a job cap; positive)")
	flag.StringVar(&opts.Checkpoint, "checkpoint", "", "the checkpoint file (default <out>.checkpoint.json)")
	flag.BoolVar(&opts.Resume, "resume", false, "continue the export recorded in the checkpoint")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("batchexport: unexpected arguments %q: every option is a flag (see -h)", flag.Args())
	}
	if err := run(opts); err != nil {
		log.Fatalf("batchexport: %v", err)
	}
}

func run(opts Options) error {
	// Validate before starting a server or reading the environment.
	if err := opts.validate(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, cleanup, err := config()
	if err != nil {
		return err
	}
	defer cleanup()
	c, err := desk.NewClient(cfg)
	if err != nil {
		return err
	}
	_, err = Export(ctx, c, opts, os.Stdout, os.Stderr)
	return err
}

// config returns a configuration for the real Desk when the environment
// names an org, and for an in-process fake Desk otherwise (as quickstart).
// The fake organisation is generated from a fixed seed, so a resumed run
// sees the same tickets.
func config() (desk.Config, func(), error) {
	org, ok, err := exampleenv.RealOrg()
	if err != nil {
		return desk.Config{}, nil, err
	}
	if !ok {
		srv := desktest.NewServer(desktest.Options{Seed: 1, Tickets: 1000})
		fmt.Println("no ZOHODESK_ORG_ID: exporting from the fake Desk server at", srv.URL())
		return srv.ClientConfig(), srv.Close, nil
	}
	return org, func() {}, nil
}
