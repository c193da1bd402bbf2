package desk

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// flexString decodes a JSON string, number or null into a string, keeping
// every digit of long numeric IDs.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = flexString(n.String())
	}
	return nil
}

// flexBool decodes true, false, "true", "false" or null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*v = false
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	x, err := strconv.ParseBool(string(b))
	if err != nil {
		return err
	}
	*v = flexBool(x)
	return nil
}

// decodeJSON decodes a response body into v.
func decodeJSON(data []byte, v any) error {
	return json.Unmarshal(data, v)
}
