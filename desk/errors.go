package desk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-zohodesk/zohodesk/credits"
)

// ErrorCode is Desk's errorCode, from the error body of a response.
type ErrorCode string

// The error codes of Desk's API (v1.0/Common.json of the official spec).
const (
	CodeBadRequest            ErrorCode = "BAD_REQUEST"
	CodeUnauthorized          ErrorCode = "UNAUTHORIZED"
	CodeInvalidOAuth          ErrorCode = "INVALID_OAUTH"
	CodeScopeMismatch         ErrorCode = "SCOPE_MISMATCH"
	CodeOAuthOrgMismatch      ErrorCode = "OAUTH_ORG_MISMATCH"
	CodeForbidden             ErrorCode = "FORBIDDEN"
	CodeLicenseAccessLimited  ErrorCode = "LICENSE_ACCESS_LIMITED"
	CodeURLNotFound           ErrorCode = "URL_NOT_FOUND"
	CodeMethodNotAllowed      ErrorCode = "METHOD_NOT_ALLOWED"
	CodeResourceSizeExceeded  ErrorCode = "RESOURCE_SIZE_EXCEEDED"
	CodeUnsupportedMediaType  ErrorCode = "UNSUPPORTED_MEDIA_TYPE"
	CodeInvalidData           ErrorCode = "INVALID_DATA"
	CodeEmptyPayload          ErrorCode = "EMPTY_PAYLOAD"
	CodeUnprocessableEntity   ErrorCode = "UNPROCESSABLE_ENTITY"
	CodeOnlyLiveChatUser      ErrorCode = "ONLY_LIVECHAT_USER"
	CodeDuplicateContract     ErrorCode = "DUPLICATE_CONTRACT"
	CodeIntegrationAdminError ErrorCode = "INTEGRATION_ADMIN_ERROR"
	CodeThresholdExceeded     ErrorCode = "THRESHOLD_EXCEEDED"
	CodeTooManyRequests       ErrorCode = "TOO_MANY_REQUESTS"
	CodeInternalServerError   ErrorCode = "INTERNAL_SERVER_ERROR"
)

// Sentinel errors. ErrInvalidConfig is credits.ErrInvalidConfig, so every
// configuration error matches it whichever package found it. A *Error matches the sentinel of its code with errors.Is;
// ErrThresholdExceeded is the same value as credits.ErrThresholdExceeded, so
// a refusal by the governor (organisation stopped) and Desk's own 429 match it
// alike.
var (
	ErrInvalidConfig     = credits.ErrInvalidConfig
	ErrInvalidOptions    = errors.New("desk: invalid request options")
	ErrThresholdExceeded = credits.ErrThresholdExceeded
	ErrTooManyRequests   = errors.New("desk: too many concurrent requests for the portal")
	ErrUnauthorized      = errors.New("desk: not authorised (token invalid, expired or lacking scope)")
	ErrForbidden         = errors.New("desk: forbidden")
	ErrNotFound          = errors.New("desk: not found")
	ErrInvalidData       = errors.New("desk: invalid data")
	ErrUnprocessable     = errors.New("desk: unprocessable request")
	ErrLicenseLimited    = errors.New("desk: not allowed by the organisation's edition")
	ErrServer            = errors.New("desk: server error")
	ErrMalformedResponse = errors.New("desk: malformed response")
)

var codeSentinels = map[ErrorCode]error{
	CodeThresholdExceeded:    ErrThresholdExceeded,
	CodeTooManyRequests:      ErrTooManyRequests,
	CodeUnauthorized:         ErrUnauthorized,
	CodeInvalidOAuth:         ErrUnauthorized,
	CodeScopeMismatch:        ErrUnauthorized,
	CodeOAuthOrgMismatch:     ErrUnauthorized,
	CodeForbidden:            ErrForbidden,
	CodeURLNotFound:          ErrNotFound,
	CodeInvalidData:          ErrInvalidData,
	CodeUnprocessableEntity:  ErrUnprocessable,
	CodeLicenseAccessLimited: ErrLicenseLimited,
	CodeInternalServerError:  ErrServer,
}

// FieldError is one entry of an INVALID_DATA error: which field (a JSON
// pointer such as "/contactId"), what was wrong ("invalid", "duplicate",
// "missing") and Desk's message.
type FieldError struct {
	FieldName    string `json:"fieldName"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// LicenseLimit is the detail of a LICENSE_ACCESS_LIMITED error.
type LicenseLimit struct {
	Feature          string `json:"feature"`
	EditionType      string `json:"editionType"`
	MaxAllowedEntity string `json:"maxAllowedEntity"`
	IsTrial          bool   `json:"isTrial"`
}

// Error is an error response from Desk.
type Error struct {
	StatusCode int
	Code       ErrorCode
	Message    string
	// Method and Path identify the request (Path below the API root, without
	// the query, which may carry personal data).
	Method, Path string
	// Errors lists the fields at fault for INVALID_DATA.
	Errors []FieldError
	// License details LICENSE_ACCESS_LIMITED.
	License *LicenseLimit
	// Credits is what the call cost, as for a successful call.
	Credits Credits
	// Excerpt is the start of a body that was not Desk's error JSON.
	Excerpt string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "desk: %s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "; %s %s", f.FieldName, f.ErrorType)
		if f.ErrorMessage != "" {
			fmt.Fprintf(&b, " (%s)", f.ErrorMessage)
		}
	}
	if e.License != nil {
		fmt.Fprintf(&b, "; feature %s limited to %s on edition %s", e.License.Feature, e.License.MaxAllowedEntity, e.License.EditionType)
	}
	if e.Excerpt != "" {
		fmt.Fprintf(&b, "; body: %q", e.Excerpt)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(": " + hint)
	}
	return b.String()
}

func (e *Error) hint() string {
	switch e.Code {
	case CodeThresholdExceeded:
		return "the organisation's credits for today are spent; wait for the reset or buy add-on credits"
	case CodeTooManyRequests:
		return "too many calls in flight for the portal; lower concurrency"
	case CodeInvalidOAuth, CodeUnauthorized:
		return "check the OAuth token and its refresh token"
	case CodeScopeMismatch:
		return "the token lacks the scope this call needs"
	case CodeOAuthOrgMismatch:
		return "the token does not belong to Config.OrgID"
	}
	return ""
}

// Is matches the sentinel of e's code (see the package's Err values), and
// ErrServer for any 5xx, ErrNotFound for any 404 and ErrMalformedResponse for
// a body that was not Desk's error JSON.
func (e *Error) Is(target error) bool {
	if s, ok := codeSentinels[e.Code]; ok && s == target {
		return true
	}
	switch target {
	case ErrServer:
		return e.StatusCode >= 500
	case ErrNotFound:
		return e.StatusCode == 404
	case ErrMalformedResponse:
		return e.Excerpt != ""
	case ErrTooManyRequests:
		return e.StatusCode == 429 && e.Code == ""
	}
	return false
}

// errorBody is Desk's error JSON.
type errorBody struct {
	ErrorCode        ErrorCode    `json:"errorCode"`
	Message          string       `json:"message"`
	Errors           []FieldError `json:"errors"`
	Feature          string       `json:"feature"`
	EditionType      string       `json:"editionType"`
	MaxAllowedEntity flexString   `json:"maxAllowedEntity"`
	IsTrial          flexBool     `json:"isTrial"`
}

// parseErrorBody builds the *Error of a non-2xx response. It never fails: a
// body that is not Desk's JSON is kept as a short excerpt.
func parseErrorBody(status int, method, path string, body []byte) *Error {
	e := &Error{StatusCode: status, Method: method, Path: path}
	var eb errorBody
	if len(body) == 0 {
		return e
	}
	if err := json.Unmarshal(body, &eb); err != nil || (eb.ErrorCode == "" && eb.Message == "") {
		e.Excerpt = excerpt(body, 120)
		return e
	}
	e.Code, e.Message, e.Errors = eb.ErrorCode, eb.Message, eb.Errors
	if eb.Feature != "" || eb.EditionType != "" || e.Code == CodeLicenseAccessLimited {
		e.License = &LicenseLimit{Feature: eb.Feature, EditionType: eb.EditionType, MaxAllowedEntity: string(eb.MaxAllowedEntity), IsTrial: bool(eb.IsTrial)}
	}
	return e
}

// excerpt returns at most n bytes of b, cut at a rune boundary, with
// control characters replaced so the excerpt is safe to log.
func excerpt(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(b))
}
