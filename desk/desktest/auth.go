package desktest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-zohodesk/zohodesk/desk"
	"golang.org/x/oauth2"
)

// Zoho's limit on refreshes: at most refreshLimit access tokens per refresh
// token in refreshWindow.
const (
	refreshLimit  = 10
	refreshWindow = 10 * time.Minute
)

type authState struct {
	mu           sync.Mutex
	rng          *rand.Rand
	ttl          time.Duration
	tokens       map[string]time.Time // access token -> expiry (zero: never)
	initial      string
	clientID     string
	clientSecret string
	refreshToken string
	refreshes    int
	recent       []time.Time // issue times within the refresh window
	noLimit      bool
}

func (a *authState) init(seed uint64, ttl time.Duration) {
	a.rng = rand.New(rand.NewPCG(seed, 0x6f61757468)) // "oauth"
	a.ttl = ttl
	a.tokens = map[string]time.Time{}
	a.initial = a.newTokenLocked("1000.")
	a.tokens[a.initial] = time.Time{}
	a.clientID = "1000." + a.hexLocked(30)
	a.clientSecret = a.hexLocked(42)
	a.refreshToken = "1000." + a.hexLocked(32) + "." + a.hexLocked(32)
}

func (a *authState) hexLocked(n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[a.rng.IntN(16)])
	}
	return b.String()
}

func (a *authState) newTokenLocked(prefix string) string {
	return prefix + a.hexLocked(32) + "." + a.hexLocked(32)
}

// check validates the Authorization header; it returns nil for a valid
// token and Desk's 401 reply otherwise.
func (a *authState) check(r *http.Request, now time.Time) *reply {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Zoho-oauthtoken ")
	if !ok || tok == "" {
		return errReply(http.StatusUnauthorized, "UNAUTHORIZED", "")
	}
	a.mu.Lock()
	exp, known := a.tokens[tok]
	a.mu.Unlock()
	if !known || (!exp.IsZero() && !now.Before(exp)) {
		return errReply(http.StatusUnauthorized, "INVALID_OAUTH", "")
	}
	return nil
}

// AccessToken returns the initial access token. It never expires, but
// [Server.RevokeAccessTokens] revokes it like any other.
func (s *Server) AccessToken() string {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.initial
}

// ClientID, ClientSecret and RefreshToken return the OAuth client's
// credentials that the token endpoint accepts.
func (s *Server) ClientID() string     { return s.auth.clientID }
func (s *Server) ClientSecret() string { return s.auth.clientSecret }
func (s *Server) RefreshToken() string { return s.auth.refreshToken }

// Refreshes returns how many access tokens the token endpoint has issued.
func (s *Server) Refreshes() int {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.refreshes
}

// RevokeAccessTokens invalidates every access token issued so far,
// including the initial one: the next API call with any of them gets 401
// INVALID_OAUTH. Tokens refreshed afterwards work.
func (s *Server) RevokeAccessTokens() {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	clear(s.auth.tokens)
}

// SetRefreshLimit turns Zoho's refresh limit (10 access tokens per refresh
// token per 10 minutes, on by default) on or off.
func (s *Server) SetRefreshLimit(on bool) {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	s.auth.noLimit = !on
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	APIDomain   string `json:"api_domain"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// serveToken is Zoho's accounts server: POST /oauth/v2/token with
// grant_type=refresh_token, client_id, client_secret and refresh_token in
// the query or the form. Like Zoho, it answers a bad credential with HTTP
// 200 and {"error": "invalid_code"} (or "invalid_client"), and too many
// refreshes with 400 "Access Denied".
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	write := func(status int, v any) {
		b, _ := json.Marshal(v)
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
	rec := Request{Time: now, Method: r.Method, Path: r.URL.Path, Header: redactHeader(r.Header), Route: "POST /oauth/v2/token"}
	defer func() { s.rec.add(rec) }()
	if r.Method != http.MethodPost {
		rec.Status = http.StatusMethodNotAllowed
		write(http.StatusMethodNotAllowed, tokenError{Error: "invalid_request"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		rec.Status = http.StatusBadRequest
		write(http.StatusBadRequest, tokenError{Error: "invalid_request"})
		return
	}
	a := &s.auth
	a.mu.Lock()
	defer a.mu.Unlock()
	rec.Status = http.StatusOK
	switch {
	case r.Form.Get("grant_type") != "refresh_token":
		write(http.StatusOK, tokenError{Error: "unsupported_grant_type"})
		return
	case r.Form.Get("client_id") != a.clientID || r.Form.Get("client_secret") != a.clientSecret:
		write(http.StatusOK, tokenError{Error: "invalid_client"})
		return
	case r.Form.Get("refresh_token") != a.refreshToken:
		write(http.StatusOK, tokenError{Error: "invalid_code"})
		return
	}
	keep := a.recent[:0]
	for _, t := range a.recent {
		if now.Sub(t) < refreshWindow && !now.Before(t) {
			keep = append(keep, t)
		}
	}
	a.recent = keep
	if !a.noLimit && len(a.recent) >= refreshLimit {
		rec.Status = http.StatusBadRequest
		write(http.StatusBadRequest, tokenError{Error: "Access Denied",
			Description: "You have made too many requests continuously. Please try again after some time."})
		return
	}
	tok := a.newTokenLocked("1000.")
	a.tokens[tok] = now.Add(a.ttl)
	a.recent = append(a.recent, now)
	a.refreshes++
	// Forget expired tokens so a long simulation does not grow the map.
	for t, exp := range a.tokens {
		if !exp.IsZero() && !now.Before(exp) {
			delete(a.tokens, t)
		}
	}
	write(http.StatusOK, tokenResponse{AccessToken: tok, APIDomain: fmt.Sprintf("http://%s", r.Host), TokenType: "Bearer", ExpiresIn: int64(a.ttl / time.Second)})
}

// RefreshTokenSource returns a desk refresh-token source that trades the
// server's refresh token at its token endpoint, for tests of the OAuth
// refresh flow: use it as desk.Config.TokenSource in place of the static
// token of ClientConfig.
func (s *Server) RefreshTokenSource() oauth2.TokenSource {
	return desk.RefreshTokenAt(s.TokenURL(), s.auth.clientID, s.auth.clientSecret, s.auth.refreshToken, s.Client())
}
