package desk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// errTokenSource marks errors from the token source, which are not retried
// by the API retry policy (the token source has its own).
var errTokenSource = errors.New("desk: cannot get an OAuth access token")

// RefreshToken returns a token source that trades a Zoho refresh token for
// access tokens at the data centre's accounts server
// (POST https://accounts.zoho.<dc>/oauth/v2/token, grant_type=refresh_token).
//
// Each call of its Token method makes one refresh request: a Client caches
// the access token until shortly before it expires and lets one refresh be
// in flight at a time, because Zoho allows only 10 access tokens per refresh
// token per 10 minutes. Share one Client rather than one token source.
func RefreshToken(dc DataCenter, clientID, clientSecret, refreshToken string) oauth2.TokenSource {
	return RefreshTokenAt(dc.AccountsURL()+"/oauth/v2/token", clientID, clientSecret, refreshToken, nil)
}

// RefreshTokenAt is RefreshToken with an explicit token URL and HTTP client
// (nil means one with a 30 s timeout), for proxies and test servers.
func RefreshTokenAt(tokenURL, clientID, clientSecret, refreshToken string, hc *http.Client) oauth2.TokenSource {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &refreshSource{
		conf: &oauth2.Config{
			ClientID: clientID, ClientSecret: clientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		},
		refresh: refreshToken,
		hc:      hc,
	}
}

type refreshSource struct {
	conf    *oauth2.Config
	refresh string
	hc      *http.Client
}

func (s *refreshSource) Token() (*oauth2.Token, error) {
	return s.tokenContext(context.Background())
}

func (s *refreshSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.hc)
	tok, err := s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
	if err != nil {
		return nil, fmt.Errorf("refreshing at %s: %w", redactURL(s.conf.Endpoint.TokenURL), scrub(err, s.refresh, s.conf.ClientSecret))
	}
	return tok, nil
}

// String never shows the secrets.
func (s *refreshSource) String() string {
	return fmt.Sprintf("desk.RefreshToken(%s, client %s, secret and refresh token redacted)", redactURL(s.conf.Endpoint.TokenURL), s.conf.ClientID)
}

// GoString keeps %#v from printing the secrets.
func (s *refreshSource) GoString() string { return s.String() }

// StaticToken returns a token source that always gives accessToken, for
// scripts with a short-lived token and for tests. It cannot refresh.
func StaticToken(accessToken string) oauth2.TokenSource { return staticSource{accessToken} }

type staticSource struct{ tok string }

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: s.tok, TokenType: "Zoho-oauthtoken"}, nil
}
func (staticSource) String() string   { return "desk.StaticToken(redacted)" }
func (staticSource) GoString() string { return "desk.StaticToken(redacted)" }

// tokenSource caches the access token of one Client and lets one refresh be
// in flight for any number of goroutines.
type tokenSource struct {
	src   oauth2.TokenSource
	clock func() time.Time
	group singleflight.Group

	mu  sync.Mutex
	tok *oauth2.Token
}

// expirySkew refreshes a token this long before Zoho says it expires, so
// that it does not expire in flight.
const expirySkew = 60 * time.Second

func newTokenSource(src oauth2.TokenSource, now func() time.Time) *tokenSource {
	return &tokenSource{src: src, clock: now}
}

func (t *tokenSource) cached() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok == nil || t.tok.AccessToken == "" {
		return ""
	}
	if !t.tok.Expiry.IsZero() && !t.clock().Add(expirySkew).Before(t.tok.Expiry) {
		return ""
	}
	return t.tok.AccessToken
}

// token returns a valid access token, refreshing it if needed. The refresh
// outlives the context of the goroutine that started it (others may wait
// for it) but is bounded to 30 s.
func (t *tokenSource) token(ctx context.Context) (string, error) {
	if tok := t.cached(); tok != "" {
		return tok, nil
	}
	ch := t.group.DoChan("refresh", func() (any, error) {
		if tok := t.cached(); tok != "" {
			return tok, nil
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		var tok *oauth2.Token
		var err error
		if rs, ok := t.src.(*refreshSource); ok {
			tok, err = rs.tokenContext(rctx)
		} else {
			tok, err = t.src.Token()
		}
		if err != nil {
			return "", err
		}
		if tok == nil || tok.AccessToken == "" {
			return "", errors.New("the token source returned an empty access token")
		}
		t.mu.Lock()
		t.tok = tok
		t.mu.Unlock()
		return tok.AccessToken, nil
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return "", fmt.Errorf("%w: %w", errTokenSource, res.Err)
		}
		return res.Val.(string), nil
	}
}

// invalidate drops the cached token if it is still bad, so that the next
// call refreshes; concurrent failures of the same token cause one refresh.
func (t *tokenSource) invalidate(bad string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken == bad {
		t.tok = nil
	}
}

// scrub replaces secrets in an error's message; the oauth2 package may quote
// the server's answer, which could echo them.
func scrub(err error, secrets ...string) error {
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &scrubbedError{msg: msg}
}

// scrubbedError does not unwrap: the wrapped error's message holds the secret.
type scrubbedError struct {
	msg string
}

func (e *scrubbedError) Error() string { return e.msg }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
