package redisledger

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-zohodesk/zohodesk/credits"
)

// Defaults for the zero values of Options.
const (
	DefaultPrefix        = "zohodesk:credits:"
	DefaultLease         = 2 * time.Minute
	DefaultCallTimeout   = 30 * time.Second
	DefaultRetention     = 6 * time.Hour
	DefaultOpTimeout     = 2 * time.Second
	DefaultRetryInterval = time.Second
	DefaultSettleDelay   = 20 * time.Millisecond
)

// SettleSync, as Options.SettleDelay, makes Settle and Release write to
// Redis before they return (one round trip each), as before deferred
// settlement existed. Any negative SettleDelay means the same.
const SettleSync time.Duration = -1

// Errors of this package. Every error that says the ledger could not decide
// also matches credits.ErrLedgerUnavailable with errors.Is.
var (
	// ErrCorrupt: a key the ledger uses holds a value its scripts did not
	// write (a wrong type, a non-numeric count, an unknown hold state). The
	// value is not trusted and nothing is written. Errors matching it also
	// match credits.ErrLedgerUnavailable.
	ErrCorrupt = errors.New("redisledger: corrupt value in Redis")
	// ErrClosed: Reserve was called after Close.
	ErrClosed = errors.New("redisledger: ledger closed")
	// ErrInvalidRequest: a request the ledger cannot act on (no day, a
	// non-positive amount). Reserve's also match credits.ErrInvalidConfig,
	// as the in-memory ledger's do.
	ErrInvalidRequest = errors.New("redisledger: invalid request")
	// ErrLocalShareExhausted: Redis is unreachable and this process has used
	// its whole Options.LocalShare. It also matches credits.ErrLedgerUnavailable.
	ErrLocalShareExhausted = errors.New("redisledger: Redis unreachable and local share used up")
)

// Options configures a Ledger. Only OrgKey is required.
type Options struct {
	// OrgKey names the organisation whose credits the ledger shares, usually
	// the Desk org ID. Every process that spends the organisation's credits
	// must use the same OrgKey and Prefix. It becomes the Redis Cluster hash
	// tag, so it must not contain '{' or '}'.
	OrgKey string
	// Prefix starts every key; DefaultPrefix when empty. It must not contain
	// '{' or '}'.
	Prefix string

	// Lease is how long a hold lives in Redis when it is neither settled nor
	// released (its process died): after it, and at most one second later
	// (leases end on whole seconds of the Redis server's clock), the hold's
	// credits come back. DefaultLease when zero. It must exceed CallTimeout, or holds of slow
	// calls would be reaped while the calls are still running.
	Lease time.Duration
	// CallTimeout is the longest an API call holding credits may run. A
	// leased chunk hands out credits only while at least CallTimeout of its
	// lease is left. DefaultCallTimeout when zero.
	CallTimeout time.Duration
	// Retention is how long a credit day's keys live after the day's reset
	// (ReserveRequest.Reset), so that late settlements still land.
	// DefaultRetention when zero.
	Retention time.Duration

	// OpTimeout is the deadline the ledger puts on each round trip to Redis,
	// on top of the caller's context: go-redis stops waiting for a pooled
	// connection at it and, when the client's ContextTimeoutEnabled option
	// is set, applies it to the socket as well; otherwise the client's
	// ReadTimeout and WriteTimeout bound the reply. DefaultOpTimeout when
	// zero.
	OpTimeout time.Duration
	// RetryInterval is how often, while Redis is unreachable, one caller
	// tries Redis again; the others are served from the local share without
	// waiting. DefaultRetryInterval when zero.
	RetryInterval time.Duration

	// LocalShare is the most credits this process may hold and spend, per
	// outage, while Redis is unreachable; its spend is written to Redis when
	// Redis returns. Zero (the default) refuses every reservation during an
	// outage. Keep it small: a fleet of N processes may overspend by up to
	// N*LocalShare if Redis stays unreachable for all of them.
	LocalShare int64

	// Chunk turns on local leasing when positive: a reservation that the
	// process's chunk cannot serve reserves max(Chunk, Amount) credits (less
	// if less is available, but at least Amount) from Redis as one hold and
	// hands them out locally. What a chunk does not hand out goes back to
	// Redis when the next chunk is taken, at the end of its day, and on Close.
	Chunk int64

	// SettleDelay is how long Settle and Release of a hold reserved in Redis
	// (Chunk zero, or a call larger than a chunk) may wait before they reach
	// Redis. Within it they only record the hold's end locally and return at
	// once; the next round trip this process makes for the same day (usually
	// the next Reserve) carries them, and a flusher owned by the Ledger
	// writes them when no round trip comes within SettleDelay. Until then
	// the hold stays held in Redis, which only makes other processes more
	// conservative; Snapshot and Close write them first. A settlement that
	// costs more than its hold, and every settlement after Close, is written
	// at once. DefaultSettleDelay when zero (or half of Lease minus
	// CallTimeout, if that is shorter); SettleSync (any negative value)
	// writes each Settle and Release synchronously. It must be below Lease
	// minus CallTimeout, so that a deferred settlement lands before its hold's
	// lease could expire.
	//
	// A process that dies loses the settlements it had not written: their
	// holds come back when their leases expire, and their spend reaches the
	// ledger only through the remaining credits other calls learn from Desk.
	SettleDelay time.Duration

	// OnOutage is called once when Redis becomes unreachable, with the error.
	OnOutage func(err error)
	// OnRecover is called once when Redis is reachable again, with how long
	// the outage lasted.
	OnRecover func(downtime time.Duration)
	// Logger, when not nil, also logs outages and recoveries.
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.OrgKey == "" {
		return o, fmt.Errorf("redisledger: Options.OrgKey is empty: set it to the organisation's ID: %w", credits.ErrInvalidConfig)
	}
	if strings.ContainsAny(o.OrgKey, "{}") {
		return o, fmt.Errorf("redisledger: Options.OrgKey %q contains '{' or '}', which Redis Cluster reads as a hash tag: %w", o.OrgKey, credits.ErrInvalidConfig)
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return o, fmt.Errorf("redisledger: Options.Prefix %q contains '{' or '}', which Redis Cluster reads as a hash tag: %w", o.Prefix, credits.ErrInvalidConfig)
	}
	def := func(d *time.Duration, v time.Duration, name string) error {
		if *d < 0 {
			return fmt.Errorf("redisledger: Options.%s is negative (%v): %w", name, *d, credits.ErrInvalidConfig)
		}
		if *d == 0 {
			*d = v
		}
		return nil
	}
	for _, e := range []error{
		def(&o.Lease, DefaultLease, "Lease"),
		def(&o.CallTimeout, DefaultCallTimeout, "CallTimeout"),
		def(&o.Retention, DefaultRetention, "Retention"),
		def(&o.OpTimeout, DefaultOpTimeout, "OpTimeout"),
		def(&o.RetryInterval, DefaultRetryInterval, "RetryInterval"),
	} {
		if e != nil {
			return o, e
		}
	}
	if o.Lease <= o.CallTimeout {
		return o, fmt.Errorf("redisledger: Options.Lease %v does not exceed Options.CallTimeout %v: a hold would expire while its call may still run; raise Lease or lower CallTimeout: %w", o.Lease, o.CallTimeout, credits.ErrInvalidConfig)
	}
	if o.Lease < time.Millisecond {
		return o, fmt.Errorf("redisledger: Options.Lease %v is below Redis's millisecond resolution: %w", o.Lease, credits.ErrInvalidConfig)
	}
	switch {
	case o.SettleDelay == 0:
		// Never so long that a short lease could expire first.
		o.SettleDelay = min(DefaultSettleDelay, (o.Lease-o.CallTimeout)/2)
	case o.SettleDelay < 0:
		o.SettleDelay = SettleSync
	}
	if o.SettleDelay > 0 && o.SettleDelay >= o.Lease-o.CallTimeout {
		return o, fmt.Errorf("redisledger: Options.SettleDelay %v is not below Lease %v minus CallTimeout %v: a deferred settlement could land after its hold's lease expired; lower SettleDelay or raise Lease: %w", o.SettleDelay, o.Lease, o.CallTimeout, credits.ErrInvalidConfig)
	}
	if o.LocalShare < 0 {
		return o, fmt.Errorf("redisledger: Options.LocalShare is negative (%d): %w", o.LocalShare, credits.ErrInvalidConfig)
	}
	if o.Chunk < 0 {
		return o, fmt.Errorf("redisledger: Options.Chunk is negative (%d): %w", o.Chunk, credits.ErrInvalidConfig)
	}
	return o, nil
}
