package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestQuickstartOnTheFakeServer(t *testing.T) {
	t.Setenv("ZOHODESK_ORG_ID", "")
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"fake Desk server",
		"GET /tickets?limit=5",
		"estimated   3, cost   3 credits",
		"estimated   1, cost   1 credits",
		"a deep page costs more",
		"GET /tickets/{id}",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestQuickstartNeedsEveryCredentialForARealOrg(t *testing.T) {
	t.Setenv("ZOHODESK_ORG_ID", "60001234567")
	t.Setenv("ZOHO_CLIENT_ID", "id")
	t.Setenv("ZOHO_CLIENT_SECRET", "")
	t.Setenv("ZOHO_REFRESH_TOKEN", "")
	var out strings.Builder
	err := run(&out)
	if err == nil || !strings.Contains(err.Error(), "ZOHO_CLIENT_SECRET") {
		t.Fatalf("run = %v, want an error naming the missing ZOHO_CLIENT_SECRET", err)
	}
}
