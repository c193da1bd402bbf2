package desk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Desk's JSON is looser than its spec's types: IDs and counts arrive as
// strings or numbers ("threadCount": "121"), booleans sometimes as strings
// ("isDeleted": "false"), times as ISO-8601 strings or epoch milliseconds,
// a single enum value sometimes wrapped in an array ("type": ["SYSTEM"]), and
// null anywhere. The resource structs keep plain Go types (string IDs, int
// counts, bool, time.Time) and decode through one mechanism, a codec built
// once per struct type from its json tags:
//
//   - one pass over the object's keys; each known key is coerced into its
//     field by the field's kind (see decodeValue);
//   - a key the struct does not declare, or a value that cannot be coerced
//     (a string where an object is expected, an unparsable time), is kept
//     verbatim in the struct's Extra map under its key, so nothing Desk sent
//     is lost and decoding never fails on it;
//   - numbers are copied as text into string fields, so 17+ digit IDs keep
//     every digit.
//
// Keys are matched exactly (encoding/json would also match them without
// regard to case; Desk never relies on that).

// fieldKind selects how a JSON value is coerced into a field.
type fieldKind uint8

const (
	kindOther     fieldKind = iota // anything else: encoding/json, Extra on failure
	kindString                     // string: strings, numbers as text, booleans as text
	kindBool                       // bool: true/false, "true"/"false", 0/1
	kindInt                        // int, int64, int32: numbers and numeric strings
	kindFloat                      // float64: numbers and numeric strings
	kindTime                       // time.Time: ISO-8601 strings, epoch milliseconds
	kindStrings                    // []string: arrays of strings or numbers, or one scalar
	kindAnyMap                     // map[string]any: objects, numbers kept as json.Number
	kindUnmarshal                  // a type with its own UnmarshalJSON (nested resources)
)

type fieldInfo struct {
	index int
	kind  fieldKind
	bits  int // size of an integer field, for overflow checks
}

// structCodec decodes JSON objects into one struct type. It is immutable
// after construction and shared by all goroutines.
type structCodec struct {
	typ    reflect.Type
	fields map[string]fieldInfo
	// extra is the index of the Extra map[string]json.RawMessage field, or -1.
	extra int
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMapType     = reflect.TypeFor[map[string]json.RawMessage]()
	anyMapType     = reflect.TypeFor[map[string]any]()
	unmarshalerTyp = reflect.TypeFor[json.Unmarshaler]()
)

// newCodec builds the codec of struct type T from its json tags. It panics
// on a type that is not a struct: codecs are built at package
// initialisation, so a mistake shows at once.
func newCodec[T any]() *structCodec {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		panic("desk: newCodec of non-struct " + t.String())
	}
	c := &structCodec{typ: t, fields: make(map[string]fieldInfo, t.NumField()), extra: -1}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Name == "Extra" && f.Type == rawMapType {
			c.extra = i
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		c.fields[name] = fieldInfo{index: i, kind: kindOf(f.Type), bits: intBits(f.Type)}
	}
	return c
}

func kindOf(t reflect.Type) fieldKind {
	switch {
	case t == timeType:
		return kindTime
	case t == anyMapType:
		return kindAnyMap
	case reflect.PointerTo(t).Implements(unmarshalerTyp):
		return kindUnmarshal
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindInt
	case reflect.Float32, reflect.Float64:
		return kindFloat
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return kindStrings
		}
	}
	return kindOther
}

func intBits(t reflect.Type) int {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return t.Bits()
	}
	return 0
}

// errNotObject is returned for a value that is neither an object nor null.
var errNotObject = errors.New("not a JSON object")

// decode decodes the JSON object data into the struct at v (addressable,
// of the codec's type). It fails only on data that is not a JSON object (or
// null, which leaves v alone); any value inside the object is either
// coerced into its field or kept in Extra.
func (c *structCodec) decode(data []byte, v reflect.Value) error {
	s := scanner{data: data}
	s.skipSpace()
	if s.consumeLiteral("null") {
		return nil
	}
	if !s.consume('{') {
		return fmt.Errorf("desk: decoding %s: %w", c.typ.Name(), errNotObject)
	}
	var extra map[string]json.RawMessage
	s.skipSpace()
	if s.consume('}') {
		return nil
	}
	for {
		s.skipSpace()
		keyRaw, err := s.keyRaw()
		if err != nil {
			return fmt.Errorf("desk: decoding %s: %w", c.typ.Name(), err)
		}
		s.skipSpace()
		if !s.consume(':') {
			return fmt.Errorf("desk: decoding %s: expected ':' at offset %d", c.typ.Name(), s.pos)
		}
		s.skipSpace()
		raw, err := s.value()
		if err != nil {
			return fmt.Errorf("desk: decoding %s: %w", c.typ.Name(), err)
		}
		var f fieldInfo
		known := false
		if bytes.IndexByte(keyRaw, '\\') < 0 {
			f, known = c.fields[string(keyRaw[1:len(keyRaw)-1])] // no allocation
		}
		if !known || !decodeValue(raw, v.Field(f.index), f) {
			if c.extra >= 0 {
				key, ok := unquote(keyRaw)
				if !ok {
					return fmt.Errorf("desk: decoding %s: malformed key %s", c.typ.Name(), excerpt(keyRaw, 40))
				}
				if f2, ok := c.fields[key]; ok && !known && decodeValue(raw, v.Field(f2.index), f2) {
					goto next
				}
				if extra == nil {
					extra = make(map[string]json.RawMessage)
				}
				extra[key] = bytes.Clone(raw)
			}
		}
	next:
		s.skipSpace()
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			break
		}
		return fmt.Errorf("desk: decoding %s: expected ',' or '}' at offset %d", c.typ.Name(), s.pos)
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return fmt.Errorf("desk: decoding %s: data after the object at offset %d", c.typ.Name(), s.pos)
	}
	if extra != nil {
		v.Field(c.extra).Set(reflect.ValueOf(extra))
	}
	return nil
}

// decodeValue coerces the JSON value raw into the field dst. It reports
// false, leaving dst at its zero value, when raw does not fit.
func decodeValue(raw []byte, dst reflect.Value, f fieldInfo) bool {
	if len(raw) == 0 {
		return false
	}
	if raw[0] == 'n' { // null: the zero value, whatever the kind
		dst.SetZero()
		return true
	}
	// A one-element array around a scalar ("type": ["SYSTEM"]) is that
	// scalar, for the scalar kinds.
	if raw[0] == '[' && f.kind >= kindString && f.kind <= kindTime {
		if inner, ok := singleScalar(raw); ok {
			raw = inner
		} else {
			return false
		}
	}
	switch f.kind {
	case kindString:
		s, ok := scalarText(raw)
		if ok {
			dst.SetString(s)
		}
		return ok
	case kindBool:
		b, ok := parseFlexBool(raw)
		if ok {
			dst.SetBool(b)
		}
		return ok
	case kindInt:
		n, ok := parseFlexInt(raw, f.bits)
		if ok {
			dst.SetInt(n)
		}
		return ok
	case kindFloat:
		text, ok := scalarText(raw)
		if !ok || raw[0] == 't' || raw[0] == 'f' {
			return false
		}
		if strings.TrimSpace(text) == "" {
			dst.SetFloat(0)
			return true
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return false
		}
		dst.SetFloat(x)
		return true
	case kindTime:
		t, ok := parseFlexTime(raw)
		if ok {
			*dst.Addr().Interface().(*time.Time) = t
		}
		return ok
	case kindStrings:
		return decodeStrings(raw, dst)
	case kindAnyMap:
		if raw[0] != '{' {
			return false
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		m := make(map[string]any)
		if d.Decode(&m) != nil {
			return false
		}
		dst.Set(reflect.ValueOf(m))
		return true
	case kindUnmarshal:
		if err := dst.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			dst.SetZero()
			return false
		}
		return true
	}
	// Slices of resources, pointers to resources and the rest: encoding/json,
	// whose elements decode through their own codecs.
	if err := json.Unmarshal(raw, dst.Addr().Interface()); err != nil {
		dst.SetZero()
		return false
	}
	return true
}

// singleScalar returns the element of a one-element array holding a
// scalar.
func singleScalar(raw []byte) ([]byte, bool) {
	s := scanner{data: raw, pos: 1}
	s.skipSpace()
	v, err := s.value()
	if err != nil || len(v) == 0 || v[0] == '[' || v[0] == '{' {
		return nil, false
	}
	s.skipSpace()
	if !s.consume(']') {
		return nil, false
	}
	return v, true
}

// scalarText returns a string, number or boolean as text. Numbers keep
// their digits exactly as sent.
func scalarText(raw []byte) (string, bool) {
	switch c := raw[0]; {
	case c == '"':
		return unquote(raw)
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true
	case c == 't' || c == 'f':
		return string(raw), true
	}
	return "", false
}

// unquote decodes a JSON string literal; the common case (no escapes,
// valid UTF-8) is a plain copy.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func parseFlexBool(raw []byte) (bool, bool) {
	text, ok := scalarText(raw)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}

// parseFlexInt accepts 42, "42", 42.0, "4.2e1" and "" (zero); it refuses
// fractions, overflow of the field's size, and anything else.
func parseFlexInt(raw []byte, bits int) (int64, bool) {
	if raw[0] == 't' || raw[0] == 'f' {
		return 0, false
	}
	text, ok := scalarText(raw)
	if !ok {
		return 0, false
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, true
	}
	if bits == 0 {
		bits = 64
	}
	if n, err := strconv.ParseInt(text, 10, bits); err == nil {
		return n, true
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) >= math.Exp2(float64(bits-1)) {
		return 0, false
	}
	return int64(x), true
}

// parseFlexTime accepts an ISO-8601 (RFC 3339) string, or epoch
// milliseconds as a number or a numeric string; "" is the zero time. Times
// are returned in UTC.
func parseFlexTime(raw []byte) (time.Time, bool) {
	text, ok := scalarText(raw)
	if !ok || raw[0] == 't' || raw[0] == 'f' {
		return time.Time{}, false
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return time.Time{}, true
	}
	if ms, err := strconv.ParseInt(text, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func decodeStrings(raw []byte, dst reflect.Value) bool {
	if raw[0] != '[' {
		s, ok := scalarText(raw)
		if !ok {
			return false
		}
		dst.Set(reflect.ValueOf([]string{s}).Convert(dst.Type()))
		return true
	}
	out := reflect.MakeSlice(dst.Type(), 0, 4)
	sc := scanner{data: raw, pos: 1}
	sc.skipSpace()
	if sc.consume(']') {
		dst.Set(out)
		return true
	}
	for {
		sc.skipSpace()
		v, err := sc.value()
		if err != nil || len(v) == 0 {
			return false
		}
		if v[0] != 'n' {
			s, ok := scalarText(v)
			if !ok {
				return false
			}
			out = reflect.Append(out, reflect.ValueOf(s).Convert(dst.Type().Elem()))
		}
		sc.skipSpace()
		if sc.consume(',') {
			continue
		}
		if sc.consume(']') {
			break
		}
		return false
	}
	dst.Set(out)
	return true
}

// scanner walks JSON text without building values. It never reads past
// data and reports malformed input as an error.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func (s *scanner) consumeLiteral(lit string) bool {
	if bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		s.pos += len(lit)
		return true
	}
	return false
}

// keyRaw reads an object key and returns it quoted, as sent.
func (s *scanner) keyRaw() ([]byte, error) {
	start := s.pos
	if err := s.skipString(); err != nil {
		return nil, err
	}
	return s.data[start:s.pos], nil
}

func (s *scanner) skipString() error {
	if !s.consume('"') {
		return fmt.Errorf("expected a string at offset %d", s.pos)
	}
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
		case '"':
			s.pos++
			return nil
		default:
			s.pos++
		}
	}
	return errors.New("unterminated string")
}

// value returns the raw text of the next value and moves past it.
func (s *scanner) value() ([]byte, error) {
	start := s.pos
	if s.pos >= len(s.data) {
		return nil, errors.New("unexpected end of JSON")
	}
	switch s.data[s.pos] {
	case '"':
		if err := s.skipString(); err != nil {
			return nil, err
		}
	case '{', '[':
		depth := 0
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case '"':
				if err := s.skipString(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.pos++
			if depth == 0 {
				return s.data[start:s.pos], nil
			}
		}
		return nil, errors.New("unterminated object or array")
	default:
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			s.pos++
		}
		if s.pos == start {
			return nil, fmt.Errorf("expected a value at offset %d", start)
		}
	}
	return s.data[start:s.pos], nil
}

// flexString decodes a JSON string, number or null into a string, keeping
// every digit of long numeric IDs. It is used by the error body, which does
// not go through a codec.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		*s = ""
		return nil
	}
	v, ok := scalarText(b)
	if !ok {
		return fmt.Errorf("desk: %s is not a string or a number", excerpt(b, 30))
	}
	*s = flexString(v)
	return nil
}

// flexBool decodes true, false, "true", "false" or null.
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		*v = false
		return nil
	}
	x, ok := parseFlexBool(b)
	if !ok {
		return fmt.Errorf("desk: %s is not a boolean", excerpt(b, 30))
	}
	*v = flexBool(x)
	return nil
}

// decodeJSON decodes a response body into v. Resource types decode through
// their codecs (see UnmarshalJSON on each), so only a body that is not JSON
// at all, or whose envelope has the wrong shape, fails.
//
// A resource decoded whole (one record from a Get) skips encoding/json and
// goes straight to its codec, which rejects what is not one JSON object.
func decodeJSON(data []byte, v any) error {
	if u, ok := v.(json.Unmarshaler); ok {
		return u.UnmarshalJSON(data)
	}
	return json.Unmarshal(data, v)
}
