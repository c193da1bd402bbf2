package desk

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// Iteration
//
// Every list has an All method returning an iter.Seq2[T, error]. It fetches
// one page per call, each call admitted by the client's credit governor like
// any other, and yields the page's records only once the whole page has
// arrived. It ends:
//
//   - at the end of the data: an empty page (Desk answers HTTP 204) or a
//     page shorter than the page size; the loop simply finishes;
//   - when the loop body breaks;
//   - on an error: All yields one final (zero value, *IterationStopped) pair.
//     The error wraps the cause (a *Error from Desk, a refusal of the
//     governor such as credits.ErrJobCapReached, the context's error) and
//     carries in Next the From of the first page that was not delivered.
//     Every record before Next has been yielded, none after it: a job cap
//     stops the iteration after the last page it could afford, never in the
//     middle of one.
//
// To resume (tomorrow, or under a new job), set the options' From to Next
// and call All again:
//
//	var stop *desk.IterationStopped
//	if errors.As(err, &stop) {
//		opts.From = stop.Next
//	}
//
// A zero Limit in the options means the list's largest page (100 for
// tickets), which spends the fewest credits: a list call costs by how deep
// From reaches, not by how many records it returns. Each range over the
// sequence starts again from the options' From; the options are copied when
// All is called.

// IterationStopped ends an iteration that did not reach the end of the data.
// It unwraps to the cause, so errors.Is(err, credits.ErrJobCapReached) and
// errors.As(err, new(*desk.Error)) see through it.
type IterationStopped struct {
	// Next is the From of the first page not delivered: resume there.
	Next int
	// Err is why the iteration stopped.
	Err error
}

func (e *IterationStopped) Error() string {
	return fmt.Sprintf("desk: iteration stopped; resume at from=%d: %v", e.Next, e.Err)
}

func (e *IterationStopped) Unwrap() error { return e.Err }

// ErrSearchWindow ends a search iteration that reached the deepest From Desk
// allows (999 for GET /tickets/search, 4,999 for GET /search): the records
// past it cannot be fetched. Narrow the search
// (a shorter time range, more filters) and iterate again.
var ErrSearchWindow = errors.New("desk: search results beyond the deepest from Desk allows cannot be fetched; narrow the search")

// paginate runs fetch page after page from start. maxLimit is the page size
// when start.Limit is 0; maxFrom (when > 0) is the deepest From allowed.
func paginate[T any](ctx context.Context, start ListOptions, maxLimit, maxFrom int, fetch func(context.Context, ListOptions) ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		lo := start
		if lo.Limit == 0 {
			lo.Limit = maxLimit
		}
		for {
			if maxFrom > 0 && lo.From > maxFrom {
				yield(zero, &IterationStopped{Next: lo.From, Err: ErrSearchWindow})
				return
			}
			page, err := fetch(ctx, lo)
			if err != nil {
				yield(zero, &IterationStopped{Next: lo.From, Err: err})
				return
			}
			for _, item := range page {
				if !yield(item, nil) {
					return
				}
			}
			if len(page) < lo.Limit {
				return
			}
			lo.From += len(page)
		}
	}
}

// pageOptions gives generic code the ListOptions embedded in every list's
// options.
func (o *ListOptions) pageOptions() *ListOptions { return o }

// listAll iterates a list call page by page: each page is a copy of opts
// (the zero options for nil) with its ListOptions moved on. The options are
// copied when listAll is called.
func listAll[T, O any, PO interface {
	*O
	pageOptions() *ListOptions
}](ctx context.Context, opts PO, maxLimit, maxFrom int, list func(context.Context, PO) ([]T, *Response, error)) iter.Seq2[T, error] {
	o := valueOf((*O)(opts))
	return paginate(ctx, *PO(&o).pageOptions(), maxLimit, maxFrom, func(ctx context.Context, lo ListOptions) ([]T, error) {
		page := o
		*PO(&page).pageOptions() = lo
		items, _, err := list(ctx, &page)
		return items, err
	})
}

// valueOf returns a copy of *p, or the zero value for nil.
func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
