package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"time"
)

// CommentsService calls the endpoints of a ticket's comments (internal or
// public notes by agents).
type CommentsService service

// Comment is a comment on a ticket (v1.0/TicketComment.json).
type Comment struct {
	ID            string       `json:"id"`
	Content       string       `json:"content"`
	PlainText     string       `json:"plainText"`
	ContentType   string       `json:"contentType"` // html or plainText
	IsPublic      bool         `json:"isPublic"`
	CommenterID   string       `json:"commenterId"`
	Commenter     *Author      `json:"commenter"`
	CommentedTime time.Time    `json:"commentedTime"`
	ModifiedTime  time.Time    `json:"modifiedTime"`
	Attachments   []Attachment `json:"attachments"`
	// Mentions are the users, teams and records the comment @mentions
	// (schema mention), filled when listed with Include "mentions".
	Mentions []Mention `json:"mention"`

	Extra map[string]json.RawMessage `json:"-"`
}

// Mention is one @mention in a comment: who or what is mentioned and where
// in the content (schema commonMentionJson of v1.0/TicketComment.json).
type Mention struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"` // END_USER, AGENT, TEAM, TICKET or ACTIVITY
	Offset int    `json:"offSet"`
	Length int    `json:"length"`
	// For a user: the address, photo, names and Zoho user ID.
	Email     string                     `json:"email"`
	PhotoURL  string                     `json:"photoURL"`
	FirstName string                     `json:"firstName"`
	LastName  string                     `json:"lastName"`
	ZUID      string                     `json:"zuid"`
	Extra     map[string]json.RawMessage `json:"-"`
}

var (
	commentCodec = newCodec[Comment]()
	mentionCodec = newCodec[Mention]()
)

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (m *Mention) UnmarshalJSON(b []byte) error {
	return mentionCodec.decode(b, reflect.ValueOf(m).Elem())
}

// UnmarshalJSON decodes tolerantly, keeping unknown fields in Extra.
func (c *Comment) UnmarshalJSON(b []byte) error {
	return commentCodec.decode(b, reflect.ValueOf(c).Elem())
}

// CommentListOptions filter GET /tickets/{ticketId}/comments.
type CommentListOptions struct {
	ListOptions
	// SortBy is "commentedTime", with a "-" prefix for descending order.
	SortBy string `url:"sortBy,omitempty"`
	// Include adds "mentions" (the users and teams a comment mentions).
	Include []string `url:"include,comma,omitempty"`
}

var (
	commentSorts    = []string{"commentedTime"}
	commentIncludes = []string{"mentions"}
)

// List returns one page of a ticket's comments.
//
// Desk API: GET /api/v1/tickets/{ticketId}/comments
func (s *CommentsService) List(ctx context.Context, ticketID string, opts *CommentListOptions) ([]Comment, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	if opts == nil {
		opts = &CommentListOptions{}
	}
	if err := opts.ListOptions.validate(maxCommentLimit); err != nil {
		return nil, nil, err
	}
	if err := validateSort("CommentListOptions.SortBy", opts.SortBy, commentSorts); err != nil {
		return nil, nil, err
	}
	if err := oneOfEach("CommentListOptions.Include", opts.Include, commentIncludes); err != nil {
		return nil, nil, err
	}
	q, err := encodeQuery(opts)
	if err != nil {
		return nil, nil, err
	}
	return callList[Comment](ctx, s.client, request{method: http.MethodGet, path: "/tickets/" + ticketID + "/comments", query: q})
}

// All iterates over every comment of a ticket (see [IterationStopped]).
//
// Desk API: GET /api/v1/tickets/{ticketId}/comments (once per page)
func (s *CommentsService) All(ctx context.Context, ticketID string, opts *CommentListOptions) iter.Seq2[Comment, error] {
	return listAll(ctx, opts, maxCommentLimit, 0, func(ctx context.Context, o *CommentListOptions) ([]Comment, *Response, error) {
		return s.List(ctx, ticketID, o)
	})
}

// CommentInput is the body of a comment create or update.
type CommentInput struct {
	Content string `json:"content"`
	// ContentType is "html" or "plainText"; empty means Desk's default.
	ContentType string `json:"contentType,omitempty"`
	// IsPublic shows the comment to the contact; false keeps it internal.
	IsPublic      bool     `json:"isPublic"`
	AttachmentIDs []string `json:"attachmentIds,omitempty"`
}

func (in *CommentInput) validate(op string) error {
	if in == nil || in.Content == "" {
		return fmt.Errorf("desk: Comments.%s: Content is required: %w", op, ErrInvalidOptions)
	}
	switch in.ContentType {
	case "", "html", "plainText":
	default:
		return fmt.Errorf("desk: Comments.%s: ContentType %q: use \"html\" or \"plainText\": %w", op, excerpt([]byte(in.ContentType), 30), ErrInvalidOptions)
	}
	return validateIDs("CommentInput.AttachmentIDs", in.AttachmentIDs, 0)
}

// Create adds a comment to a ticket.
//
// Desk API: POST /api/v1/tickets/{ticketId}/comments
func (s *CommentsService) Create(ctx context.Context, ticketID string, in *CommentInput) (*Comment, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	if err := in.validate("Create"); err != nil {
		return nil, nil, err
	}
	return callOne[Comment](ctx, s.client, request{method: http.MethodPost, path: "/tickets/" + ticketID + "/comments", body: in})
}

// Update replaces a comment's content.
//
// Desk API: PATCH /api/v1/tickets/{ticketId}/comments/{commentId}
func (s *CommentsService) Update(ctx context.Context, ticketID, commentID string, in *CommentInput) (*Comment, *Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, nil, err
	}
	if err := validateID("comment", commentID); err != nil {
		return nil, nil, err
	}
	if err := in.validate("Update"); err != nil {
		return nil, nil, err
	}
	return callOne[Comment](ctx, s.client, request{method: http.MethodPatch, path: "/tickets/" + ticketID + "/comments/" + commentID, body: in})
}

// Delete deletes a comment. Desk answers 204 on success.
//
// Desk API: DELETE /api/v1/tickets/{ticketId}/comments/{commentId}
func (s *CommentsService) Delete(ctx context.Context, ticketID, commentID string) (*Response, error) {
	if err := validateID("ticket", ticketID); err != nil {
		return nil, err
	}
	if err := validateID("comment", commentID); err != nil {
		return nil, err
	}
	return s.client.call(ctx, request{method: http.MethodDelete, path: "/tickets/" + ticketID + "/comments/" + commentID}, nil)
}
