// Command simday runs a whole simulated Zoho Desk credit day, on the fake
// Desk server and a virtual clock, once per strategy, and compares how each
// spends the organisation's credits:
//
//   - naive: sends as fast as it can; on a 429 waits Retry-After and goes on;
//   - header-mirror: a rate limiter set once from the first response's
//     remaining credits over the time to the reset;
//   - sdk-even, sdk-asap: this SDK's governor with Even and Asap pacing,
//     capped at the whole allotment (it learns what other integrations
//     spend from the remaining header and, with Budget.ForecastOthers,
//     leaves them what they are expected to spend until the reset), with a
//     reserve for interactive work prorated over the day
//     (Budget.ProrateReserve).
//
// Each strategy gets a fresh organisation and the same day for the same
// seed: other integrations spending 30% of the allotment at random
// instants (many calls of 1 to 10 credits, in short runs of a few calls
// that start at random times spread over the day), a background export that wants more than the day has, bursts
// of interactive reads and updates, and a server whose prices differ from
// the client's estimates on some routes. Everything goes through real HTTP
// on loopback; a day takes about 40 s of real time, the strategies run side
// by side.
//
// It prints a table, then one line per strategy for scripts:
//
//	simday strategy=<name> utilization=<0.0000> threshold_exceeded=<n> too_many_requests=<n> overshoot=<credits> interactive_refused=<n> pacing_error=<0.0000>
//
// Usage:
//
//	go run ./examples/simday [-seed 1] [-edition professional] [-agents 40] [-external 0.3] [-strategy all] [-scale 2160] [-start 0h] [-reserve 0.02] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/examples/simday/sim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simday:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("simday", flag.ContinueOnError)
	seed := fs.Uint64("seed", 1, "seed of the simulated day (data, other integrations, interactive bursts)")
	edition := fs.String("edition", "professional", "Desk edition: free, express, standard, professional, enterprise, bundle")
	agents := fs.Int("agents", 40, "full agents (each adds the edition's per-agent credits)")
	external := fs.Float64("external", sim.DefaultExternal, "share of the allotment other integrations spend, at random instants (0 for none)")
	strategy := fs.String("strategy", "all", "naive, header-mirror, sdk-even, sdk-asap, or all")
	scale := fs.Float64("scale", sim.DefaultScale, "virtual seconds per real second")
	start := fs.Duration("start", 0, "time of day the simulation starts (it ends at midnight): 20h simulates the last 4 hours")
	verbose := fs.Bool("v", false, "print the SDK governor's usage report of each SDK strategy, and every failed or cut interactive call of every strategy but naive")
	reserve := fs.Float64("reserve", sim.DefaultInteractiveReserve, "the SDK strategies' interactive reserve, a fraction of the cap")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ed, err := credits.ParseEdition(*edition)
	if err != nil {
		return err
	}
	strategies := sim.Strategies()
	if *strategy != "all" {
		st, err := sim.ParseStrategy(*strategy)
		if err != nil {
			return err
		}
		strategies = []sim.Strategy{st}
	}
	ext := *external
	if ext == 0 {
		ext = -1 // Config's zero means the default
	}
	res := *reserve
	if res == 0 {
		res = -1
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	results := make([]sim.Result, len(strategies))
	errs := make([]error, len(strategies))
	var wg sync.WaitGroup
	for i, st := range strategies {
		wg.Go(func() {
			results[i], errs[i] = sim.Run(ctx, sim.Config{
				Strategy: st, Seed: *seed, Plan: credits.Plan{Edition: ed, Agents: *agents},
				External: ext, Scale: *scale, Start: *start, InteractiveReserve: res,
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	r0 := results[0]
	fmt.Fprintf(out, "simday: seed %d, %v, %v to %v (virtual, %.0fx), other integrations want %d credits (%d calls of 1-10 credits in %d runs at random instants)\n\n",
		*seed, credits.Plan{Edition: ed, Agents: *agents}, r0.Start.Format("15:04"), r0.Reset.Format("Jan 2 15:04"), *scale, r0.ExternalWanted, r0.ExternalCalls, r0.ExternalRuns)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\tspent\tleft to us\tutilization\tTHRESHOLD_EXCEEDED\tTOO_MANY_REQUESTS\tothers refused\tinteractive refused\tinteractive cut\tinteractive p95\tpacing error\tran dry at\trequests\tlatency\treal\t")
	for _, r := range results {
		dry := "-"
		if !r.DryAt.IsZero() {
			dry = r.DryAt.Format("15:04")
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%d\t%d\t%d\t%d/%d\t%d\t%v\t%.4f\t%s\t%d\t%v\t%v\t\n",
			r.Strategy, r.Spent, r.LeftToUs, r.Utilization, r.ThresholdExceeded, r.TooManyRequests,
			r.Overshoot, r.InteractiveRefused, r.InteractiveCalls, r.InteractiveCut, r.InteractiveP95.Round(time.Second),
			r.PacingError, dry, r.Requests, r.MeanLatency.Round(10*time.Millisecond), r.Real.Round(100*time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, r := range results {
		if *verbose && r.Usage != nil {
			fmt.Fprintf(out, "%s: the governor's usage report just before the reset:\n%v\n", r.Strategy, r.Usage)
		}
		if *verbose && r.Strategy != sim.Naive && len(r.InteractiveFailures) > 0 {
			fmt.Fprintf(out, "%s: interactive calls that failed or were cut:\n", r.Strategy)
			for _, f := range r.InteractiveFailures {
				fmt.Fprintf(out, "  %v\n", f)
			}
			fmt.Fprintln(out)
		}
	}
	for _, r := range results {
		fmt.Fprintln(out, r.Line())
	}
	return nil
}
