package desktest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-zohodesk/zohodesk/internal/digits"
)

// decodeBody parses a JSON object body. It returns Desk's reply for an
// empty or malformed body.
func decodeBody(body []byte) (map[string]any, *reply) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errReply(http.StatusUnprocessableEntity, "EMPTY_PAYLOAD", "")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, invalidData(fieldError{FieldName: "/", ErrorType: "invalid", ErrorMessage: "The payload is not a JSON object."})
	}
	return m, nil
}

// fieldSpec describes a writable field of a record.
type fieldSpec struct {
	kind     byte // 's' string, 'z' digits as a string or a number, 'b' bool, 'i' ID (numeric string or number), 't' time, 'm' map (cf), 'e' enum, 'x' anything
	enum     []string
	nullable bool
}

// checkFields validates body against the writable fields; required fields
// must be present on create. Extra fields are rejected, as Desk does.
func checkFields(m map[string]any, spec map[string]fieldSpec, required ...string) []fieldError {
	var errs []fieldError
	for _, f := range required {
		if v, ok := m[f]; !ok || v == nil || v == "" {
			errs = append(errs, fieldError{FieldName: "/" + f, ErrorType: "missing", ErrorMessage: "The field " + f + " is required."})
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		fs, ok := spec[k]
		if !ok {
			errs = append(errs, fieldError{FieldName: "/" + k, ErrorType: "invalid", ErrorMessage: "An extra parameter is found"})
			continue
		}
		if v == nil {
			if !fs.nullable && !slices.Contains(required, k) {
				errs = append(errs, fieldError{FieldName: "/" + k, ErrorType: "invalid", ErrorMessage: "The field cannot be null."})
			}
			continue
		}
		bad := false
		switch fs.kind {
		case 's':
			_, isStr := v.(string)
			bad = !isStr
		case 'z': // a zip code: v1.0/Contact.json types it string|integer
			bad = idOf(v) == ""
		case 'e':
			str, isStr := v.(string)
			bad = !isStr || !slices.Contains(fs.enum, str)
		case 'b':
			_, isBool := v.(bool)
			bad = !isBool
		case 'i':
			bad = idOf(v) == ""
		case 't':
			str, isStr := v.(string)
			if _, err := time.Parse(time.RFC3339, str); !isStr || err != nil {
				bad = true
			}
		case 'm':
			_, isMap := v.(map[string]any)
			bad = !isMap
		case 'x': // accepted, not checked
		}
		if bad {
			errs = append(errs, fieldError{FieldName: "/" + k, ErrorType: "invalid", ErrorMessage: "The value of " + k + " is not valid."})
		}
	}
	return errs
}

// idOf returns v as a numeric ID string, or "" if it is not one.
func idOf(v any) string {
	switch x := v.(type) {
	case string:
		if digits.Only(x) {
			return x
		}
	case json.Number:
		if digits.Only(x.String()) {
			return x.String()
		}
	}
	return ""
}

func strOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// optStr returns v as a nullable string.
func optStr(v any) *string {
	if v == nil {
		return nil
	}
	s := strOf(v)
	return &s
}

func timeOf(v any) deskTime {
	t, _ := time.Parse(time.RFC3339, strOf(v))
	return msTime(t)
}

func mergeCF(dst map[string]any, v any) map[string]any {
	src, _ := v.(map[string]any)
	if dst == nil {
		dst = map[string]any{}
	}
	for k, val := range src {
		if n, ok := val.(json.Number); ok {
			val = n.String()
		}
		dst[k] = val
	}
	return dst
}

// idList reads a JSON array of IDs; ok is false when it is not one.
func idList(v any) (ids []string, ok bool) {
	arr, isArr := v.([]any)
	if !isArr {
		return nil, false
	}
	for _, x := range arr {
		id := idOf(x)
		if id == "" {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
