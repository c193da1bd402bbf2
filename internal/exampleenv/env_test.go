package exampleenv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRealOrg(t *testing.T) {
	full := map[string]string{
		"ZOHODESK_ORG_ID": "60001234567", "ZOHODESK_DC": "eu", "ZOHO_CLIENT_ID": "id",
		"ZOHO_CLIENT_SECRET": "s3cr3t-value", "ZOHO_REFRESH_TOKEN": "r3fr3sh-value", "ZOHODESK_EDITION": "", "ZOHODESK_AGENTS": "",
	}
	tests := []struct {
		name    string
		change  map[string]string
		ok      bool
		wantErr string
	}{
		{"no org: the fake server", map[string]string{"ZOHODESK_ORG_ID": ""}, false, ""},
		{"complete", nil, true, ""},
		{"missing secret", map[string]string{"ZOHO_CLIENT_SECRET": ""}, true, "ZOHO_CLIENT_SECRET"},
		{"unknown data centre", map[string]string{"ZOHODESK_DC": "mars"}, true, "ZOHODESK_DC"},
		{"unknown edition", map[string]string{"ZOHODESK_EDITION": "platinum"}, true, "ZOHODESK_EDITION"},
		{"bad agents", map[string]string{"ZOHODESK_AGENTS": "-3"}, true, "ZOHODESK_AGENTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range full {
				t.Setenv(k, v)
			}
			for k, v := range tt.change {
				t.Setenv(k, v)
			}
			cfg, ok, err := RealOrg()
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok && (cfg.DataCenter != desk.EU || cfg.OrgID != "60001234567" || cfg.Plan != (credits.Plan{Edition: credits.Professional, Agents: 10})) {
				t.Errorf("config = %+v", cfg)
			}
			if strings.Contains(fmt.Sprintf("%v %+v", cfg.TokenSource, cfg.TokenSource), "s3cr3t") || strings.Contains(fmt.Sprintf("%v", cfg.TokenSource), "r3fr3sh") {
				t.Errorf("the token source prints a secret")
			}
		})
	}
}
