package credits

import (
	"context"
	"fmt"
)

// Priority says whether a call serves a waiting person or a batch.
type Priority int

const (
	// Interactive calls may spend the whole cap, including the interactive
	// reserve. It is the default for a context without a priority.
	Interactive Priority = iota
	// Background calls may not spend the last Budget.InteractiveReserve of
	// the cap.
	Background
)

func (p Priority) String() string {
	switch p {
	case Interactive:
		return "interactive"
	case Background:
		return "background"
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// Job names a unit of work that has its own credit cap, such as a nightly
// export. Calls made under a context carrying a Job are charged to it, and
// refused with ErrJobCapReached once the job's spend plus the next call's
// estimate would pass Cap. Cap 0 means no job cap: the job is only reported.
//
// Jobs are identified by Name within one Governor: two contexts with the same
// name share the spend.
type Job struct {
	Name string
	Cap  int64
}

type jobKey struct{}
type priorityKey struct{}

// WithJob returns a context whose calls are charged to job.
func WithJob(ctx context.Context, job Job) context.Context {
	return context.WithValue(ctx, jobKey{}, job)
}

// JobFrom returns the job carried by ctx, if any.
func JobFrom(ctx context.Context) (Job, bool) {
	j, ok := ctx.Value(jobKey{}).(Job)
	return j, ok
}

// WithPriority returns a context whose calls have priority p.
//
// A call whose context was given Interactive by WithPriority is not delayed
// by Even pacing: it takes its credits from the pacing limiter at once (so
// the calls after it wait the longer and the day's line is kept), and still
// passes every cap, the reserve check and the concurrency limit. A context
// without a priority is Interactive for the caps and the reserve, but waits
// its turn under Even pacing like a Background call, so that code that never
// sets a priority is paced.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityFrom returns the priority carried by ctx, Interactive by default.
func PriorityFrom(ctx context.Context) Priority {
	p, _ := priorityOf(ctx)
	return p
}

// priorityOf returns the priority carried by ctx and whether WithPriority set
// it (an explicit Interactive jumps the Even pacing queue).
func priorityOf(ctx context.Context) (Priority, bool) {
	p, ok := ctx.Value(priorityKey{}).(Priority)
	return p, ok
}
