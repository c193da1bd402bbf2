package desk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/jarcoal/httpmock"
)

func TestResourceErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		sentinel error
		check    func(t *testing.T, e *Error)
	}{
		{"invalid data with field errors", 422, `{"errorCode":"INVALID_DATA","message":"bad","errors":[{"fieldName":"/contactId","errorType":"invalid","errorMessage":""}]}`, ErrInvalidData,
			func(t *testing.T, e *Error) {
				if len(e.Errors) != 1 || e.Errors[0].FieldName != "/contactId" {
					t.Errorf("Errors = %+v", e.Errors)
				}
			}},
		{"license limit", 403, `{"errorCode":"LICENSE_ACCESS_LIMITED","message":"no","feature":"BLUEPRINT","editionType":"STANDARD","maxAllowedEntity":5,"isTrial":"false"}`, ErrLicenseLimited,
			func(t *testing.T, e *Error) {
				if e.License == nil || e.License.MaxAllowedEntity != "5" || e.License.Feature != "BLUEPRINT" {
					t.Errorf("License = %+v", e.License)
				}
			}},
		{"not JSON", 502, "<html>Bad gateway</html>", ErrMalformedResponse,
			func(t *testing.T, e *Error) {
				if e.StatusCode != 502 || !strings.Contains(e.Excerpt, "Bad gateway") {
					t.Errorf("%+v", e)
				}
			}},
		{"not found", 404, `{"errorCode":"URL_NOT_FOUND","message":"gone"}`, ErrNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t)
			mt.RegisterResponder("PATCH", mockBase+"/contacts/1", func(*http.Request) (*http.Response, error) {
				r := httpmock.NewStringResponse(tc.status, tc.body)
				r.Header.Set(credits.HeaderWeight, "1")
				return r, nil
			})
			_, resp, err := c.Contacts.Update(context.Background(), "1", &ContactInput{Phone: "1"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.sentinel)
			}
			if e.Method != "PATCH" || e.Path != "/contacts/1" || !e.Credits.HasWeight || e.Credits.Weight != 1 || resp == nil {
				t.Errorf("error context = %+v", e)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}
