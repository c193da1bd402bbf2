package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// ThreadsService calls the endpoints of a ticket's threads (the messages
// exchanged on it: emails, replies, chats, forum posts).
type ThreadsService service

// Thread is one message of a ticket (v1.0/Thread.json). List fills a
// summary (Summary, no Content); Get fills Content.
type Thread struct {
	ID                  string         `json:"id"`
	Channel             string         `json:"channel"`
	Status              string         `json:"status"`    // SUCCESS, PENDING, FAILED, DRAFT...
	Direction           string         `json:"direction"` // in or out
	Visibility          string         `json:"visibility"`
	Summary             string         `json:"summary"`
	Content             string         `json:"content"`
	ContentType         string         `json:"contentType"`
	FromEmailAddress    string         `json:"fromEmailAddress"`
	To                  string         `json:"to"`
	Cc                  string         `json:"cc"`
	Bcc                 string         `json:"bcc"`
	ReplyTo             string         `json:"replyTo"`
	ResponderID         string         `json:"responderId"`
	RespondedIn         string         `json:"respondedIn"` // hh:mm:ss
	Sentiment           string         `json:"sentiment"`
	FullContentURL      string         `json:"fullContentURL"`
	LastRatingIconURL   string         `json:"lastRatingIconURL"`
	CreatedTime         time.Time      `json:"createdTime"`
	AttachmentCount     int            `json:"attachmentCount"`
	HasAttach           bool           `json:"hasAttach"`
	IsForward           bool           `json:"isForward"`
	CanReply            bool           `json:"canReply"`
	IsDescriptionThread bool           `json:"isDescriptionThread"`
	IsContentTruncated  bool           `json:"isContentTruncated"`
	Author              *Author        `json:"author"`
	Source              *Source        `json:"source"`
	Attachments         []Attachment   `json:"attachments"`
	ChannelRelatedInfo  map[string]any `json:"channelRelatedInfo"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Author is who wrote a thread or a comment.
type Author struct {
	ID        string                     `json:"id"`
	Name      string                     `json:"name"`
	FirstName string                     `json:"firstName"`
	LastName  string                     `json:"lastName"`
	Email     string                     `json:"email"`
	PhotoURL  string                     `json:"photoURL"`
	Type      string                     `json:"type"` // AGENT or END_USER
	RoleName  string                     `json:"roleName"`
	Extra     map[string]json.RawMessage `json:"-"`
}

// Attachment is a file attached to a thread or a comment.
type Attachment struct {
	ID    string                     `json:"id"`
	Name  string                     `json:"name"`
	Size  int64                      `json:"size"`
	Href  string                     `json:"href"`
	Extra map[string]json.RawMessage `json:"-"`
}

var (
	threadCodec     = newCodec[Thread]()
	authorCodec     = newCodec[Author]()
	attachmentCodec = newCodec[Attachment]()
)

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (t *Thread) UnmarshalJSON(b []byte) error {
	return threadCodec.decode(b, reflect.ValueOf(t).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *Author) UnmarshalJSON(b []byte) error {
	return authorCodec.decode(b, reflect.ValueOf(a).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (a *Attachment) UnmarshalJSON(b []byte) error {
	return attachmentCodec.decode(b, reflect.ValueOf(a).Elem())
}

// ThreadListOptions page through GET /tickets/{ticketId}/threads.
type ThreadListOptions struct {
	ListOptions
	// SortBy is "sendDateTime" (ascending) or "-sendDateTime"; Desk's
	// default when empty is descending.
	SortBy string `url:"sortBy,omitempty"`
}

var (
	threadSorts       = []string{"sendDateTime"}
	threadGetIncludes = []string{"plainText"}
)

// List returns one page of a ticket's threads.
//
// Desk API: GET /api/v1/tickets/{ticketId}/threads
func (s *ThreadsService) List(ctx context.Context, ticketID string, opts *ThreadListOptions) ([]Thread, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	if opts == nil {
		opts = &ThreadListOptions{}
	}
	if err := opts.ListOptions.validate(maxThreadLimit); err != nil {
		return nil, nil, err
	}
	if err := validateSort("ThreadListOptions.SortBy", opts.SortBy, threadSorts); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Thread](ctx, s.client, request{method: http.MethodGet, path: "/tickets/" + ticketID + "/threads", query: q})
}

// All iterates over every thread of a ticket (see [IterationStopped]).
//
// Desk API: GET /api/v1/tickets/{ticketId}/threads (once per page)
func (s *ThreadsService) All(ctx context.Context, ticketID string, opts *ThreadListOptions) iter.Seq2[Thread, error] {
	return listAll(ctx, opts, maxThreadLimit, 0, func(ctx context.Context, o *ThreadListOptions) ([]Thread, *Response, error) {
		return s.List(ctx, ticketID, o)
	})
}

// Get returns one thread of a ticket, with its content. include may be
// "plainText" (the content as plain text too).
//
// Desk API: GET /api/v1/tickets/{ticketId}/threads/{threadId}
func (s *ThreadsService) Get(ctx context.Context, ticketID, threadID string, include ...string) (*Thread, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	if err := validateID("thread", threadID); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("Threads.Get include", include, threadGetIncludes); err != nil {
		return nil, nil, err
	}
	return callOne[Thread](ctx, s.client, request{method: http.MethodGet, path: "/tickets/" + ticketID + "/threads/" + threadID, query: includeQuery(include)})
}

// Reply is the body of POST /tickets/{ticketId}/sendReply.
type Reply struct {
	// Channel is the ticket's channel: "EMAIL", "FORUMS", "TWITTER", ...
	Channel string `json:"channel"`
	// Content is the message; ContentType is "html" or "plainText".
	Content     string `json:"content"`
	ContentType string `json:"contentType,omitempty"`
	// To and FromEmailAddress are required for the EMAIL channel.
	To               string   `json:"to,omitempty"`
	FromEmailAddress string   `json:"fromEmailAddress,omitempty"`
	Cc               string   `json:"cc,omitempty"`
	Bcc              string   `json:"bcc,omitempty"`
	IsForward        bool     `json:"isForward,omitempty"`
	AttachmentIDs    []string `json:"attachmentIds,omitempty"`

	// IsPrivate sends the reply as a private thread. Like SendImmediately
	// it is a query parameter of sendReply (v1.0/Thread.json), not part of
	// the body; both are left out when false, Desk's default.
	IsPrivate bool `json:"-"`
	// SendImmediately asks Desk to send the reply at once rather than
	// after its undo-send delay.
	SendImmediately bool `json:"-"`
}

// query is the query string of a sendReply call; nil when empty.
func (r *Reply) query() url.Values {
	var q url.Values
	if r.IsPrivate {
		q = url.Values{"isPrivate": {"true"}}
	}
	if r.SendImmediately {
		if q == nil {
			q = url.Values{}
		}
		q.Set("sendImmediately", "true")
	}
	return q
}

// SendReply sends a reply on the ticket and returns the thread it created.
// It is a POST: the client never retries it after it may have reached Desk.
//
// Desk API: POST /api/v1/tickets/{ticketId}/sendReply
func (s *ThreadsService) SendReply(ctx context.Context, ticketID string, r *Reply) (*Thread, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	switch {
	case r == nil:
		return nil, nil, fmt.Errorf("desk: Threads.SendReply: the reply is nil: %w", ErrInvalidOptions)
	case strings.TrimSpace(r.Channel) == "":
		return nil, nil, fmt.Errorf("desk: Threads.SendReply: Channel is required: %w", ErrInvalidOptions)
	case strings.TrimSpace(r.Content) == "":
		return nil, nil, fmt.Errorf("desk: Threads.SendReply: Content is empty: %w", ErrInvalidOptions)
	case strings.EqualFold(r.Channel, "EMAIL") && (r.To == "" || r.FromEmailAddress == ""):
		return nil, nil, fmt.Errorf("desk: Threads.SendReply: an EMAIL reply needs To and FromEmailAddress: %w", ErrInvalidOptions)
	}
	if err := validateIDs("Reply.AttachmentIDs", r.AttachmentIDs, 0); err != nil {
		return nil, nil, err
	}
	return callOne[Thread](ctx, s.client, request{method: http.MethodPost, path: "/tickets/" + ticketID + "/sendReply", query: r.query(), body: r})
}
