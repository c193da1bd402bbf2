package desktest

import (
	"net/http"
	"slices"
	"strings"
)

// ticketFor returns the ticket of the call's first path parameter; s.mu
// must be held.
func (c *call) ticketFor() *ticket { return c.s.data.ticketByID[c.params[0]] }

func threadView(th *thread, detail bool) thread {
	v := *th
	if detail {
		if v.Content == nil {
			v.Content = strp("<div>" + th.Summary + "</div>")
		}
		if v.Attachments == nil {
			v.Attachments = []any{}
		}
	} else {
		v.Content, v.Attachments = nil, nil
	}
	return v
}

// listThreads is GET /tickets/{id}/threads, newest first unless
// sortBy=sendDateTime (ascending).
func listThreads(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := c.ticketFor()
	if t == nil {
		return notFoundURL()
	}
	ths := newestFirst(t.threads, c.query.Get("sortBy") == "sendDateTime")
	return listReply(page(c.query, ths, func(th *thread) thread { return threadView(th, false) }))
}

// getThread is GET /tickets/{id}/threads/{threadId}.
func getThread(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := c.ticketFor()
	if t == nil {
		return notFoundURL()
	}
	for _, th := range t.threads {
		if th.ID == c.params[1] {
			return jsonReply(http.StatusOK, threadView(th, true))
		}
	}
	return notFoundURL()
}

var replyFields = map[string]fieldSpec{
	"channel": {kind: 'e', enum: []string{"EMAIL", "FACEBOOK", "TWITTER", "FORUMS", "CHAT", "WHATSAPP", "TELEGRAM", "WECHAT", "LINE", "INSTAGRAM", "IM"}},
	"content": {kind: 's'}, "contentType": {kind: 'e', enum: []string{"html", "plainText"}},
	"to": {kind: 's'}, "cc": {kind: 's', nullable: true}, "bcc": {kind: 's', nullable: true},
	"fromEmailAddress": {kind: 's'}, "isForward": {kind: 'b'}, "inReplyToThreadId": {kind: 'i'},
	"attachmentIds": {kind: 'x'}, "isPrivateReply": {kind: 'b'},
}

// sendReply is POST /tickets/{id}/sendReply: it adds an outgoing thread and
// returns it.
func sendReply(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, replyFields, "channel", "content"); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := c.ticketFor()
	if t == nil {
		return notFoundURL()
	}
	d := s.data
	ag := d.agents[0]
	content := strOf(m["content"])
	summary := content
	if len(summary) > 100 {
		summary = summary[:100]
	}
	ct := "text/html"
	if strOf(m["contentType"]) == "plainText" {
		ct = "text/plain"
	}
	th := &thread{ID: d.newID(), Channel: strOf(m["channel"]), Status: "SUCCESS", Direction: "out",
		Visibility: visibilityOf(c.query.Get("isPrivate")), Summary: summary, Content: strp(content), ContentType: ct,
		FromEmailAddress: strOf(m["fromEmailAddress"]), To: optStr(m["to"]), Cc: optStr(m["cc"]), Bcc: optStr(m["bcc"]),
		Author:      threadAuthor{ID: strp(ag.ID), Name: ag.Name, Email: ag.EmailID, Type: "AGENT"},
		CreatedTime: msTime(c.now), CanReply: true, Attachments: []any{}}
	th.IsForward, _ = m["isForward"].(bool)
	if th.FromEmailAddress == "" {
		th.FromEmailAddress = "support@" + d.portalName + ".example"
	}
	if th.To == nil {
		th.To = t.Email
	}
	if strings.TrimSpace(content) == "" {
		return invalidData(fieldError{FieldName: "/content", ErrorType: "invalid", ErrorMessage: "The content cannot be empty."})
	}
	t.threads = append(t.threads, th)
	t.ThreadCount = numString(len(t.threads))
	t.ModifiedTime = msTime(c.now)
	return jsonReply(http.StatusOK, threadView(th, true))
}

// listComments is GET /tickets/{id}/comments, newest first unless
// sortBy=commentedTime.
func listComments(c *call) *reply {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := c.ticketFor()
	if t == nil {
		return notFoundURL()
	}
	cs := newestFirst(t.comments, c.query.Get("sortBy") == "commentedTime")
	return listReply(page(c.query, cs, value[comment]))
}

var commentFields = map[string]fieldSpec{
	"content": {kind: 's'}, "isPublic": {kind: 'b'}, "contentType": {kind: 'e', enum: []string{"html", "plainText"}},
	"attachmentIds": {kind: 'x'},
}

// createComment is POST /tickets/{id}/comments.
func createComment(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, commentFields, "content"); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t := c.ticketFor()
	if t == nil {
		return notFoundURL()
	}
	pub, _ := m["isPublic"].(bool)
	cm := newComment(s.data.newID(), s.data.agents[0], strOf(m["content"]), pub, c.now)
	if ct := strOf(m["contentType"]); ct != "" {
		cm.ContentType = ct
	}
	t.comments = append(t.comments, cm)
	t.CommentCount = numString(len(t.comments))
	return jsonReply(http.StatusOK, *cm)
}

func (c *call) commentIndex(t *ticket) int {
	return slices.IndexFunc(t.comments, func(cm *comment) bool { return cm.ID == c.params[1] })
}

// updateComment is PATCH /tickets/{id}/comments/{commentId}.
func updateComment(c *call) *reply {
	m, bad := decodeBody(c.body)
	if bad != nil {
		return bad
	}
	if errs := checkFields(m, commentFields); errs != nil {
		return invalidData(errs...)
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t, i, missing := c.findComment()
	if missing != nil {
		return missing
	}
	cm := t.comments[i]
	if v, ok := m["content"]; ok {
		cm.Content = strOf(v)
	}
	if v, ok := m["isPublic"].(bool); ok {
		cm.IsPublic = v
	}
	if v := strOf(m["contentType"]); v != "" {
		cm.ContentType = v
	}
	cm.ModifiedTime = msTime(c.now)
	return jsonReply(http.StatusOK, *cm)
}

// findComment returns the ticket and the index of the comment the call's
// path names, or a 404 reply when either is missing. s.mu must be held.
func (c *call) findComment() (*ticket, int, *reply) {
	t := c.ticketFor()
	if t == nil {
		return nil, -1, notFoundURL()
	}
	i := c.commentIndex(t)
	if i < 0 {
		return nil, -1, notFoundURL()
	}
	return t, i, nil
}

// deleteComment is DELETE /tickets/{id}/comments/{commentId}: 204.
func deleteComment(c *call) *reply {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	t, i, missing := c.findComment()
	if missing != nil {
		return missing
	}
	t.comments = slices.Delete(t.comments, i, i+1)
	t.CommentCount = numString(len(t.comments))
	return emptyReply(http.StatusNoContent)
}

// visibilityOf is a new thread's visibility from sendReply's isPrivate
// query parameter (v1.0/Thread.json).
func visibilityOf(isPrivate string) string {
	if isPrivate == "true" {
		return "private"
	}
	return "public"
}
