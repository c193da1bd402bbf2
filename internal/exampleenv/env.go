// Package exampleenv reads the environment through which the runnable
// examples talk to a real Zoho Desk organisation instead of the in-process
// fake server. It is for the examples only.
package exampleenv

import (
	"fmt"
	"os"
	"strconv"

	"github.com/go-zohodesk/zohodesk/credits"
	"github.com/go-zohodesk/zohodesk/desk"
)

// Variables names every variable that selects a real organisation, for
// messages.
const Variables = "ZOHODESK_ORG_ID, ZOHODESK_DC, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN"

// RealOrg returns the configuration of the real organisation the environment
// names: ZOHODESK_ORG_ID, ZOHODESK_DC (US by default), ZOHO_CLIENT_ID,
// ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, and optionally ZOHODESK_EDITION
// (professional) and ZOHODESK_AGENTS (10) to describe the plan. ok is false
// when ZOHODESK_ORG_ID is unset: the example should use the fake server. A
// partial or malformed environment is an error naming the variable.
func RealOrg() (cfg desk.Config, ok bool, err error) {
	orgID := os.Getenv("ZOHODESK_ORG_ID")
	if orgID == "" {
		return desk.Config{}, false, nil
	}
	dc, err := desk.ParseDataCenter(envOr("ZOHODESK_DC", "US"))
	if err != nil {
		return desk.Config{}, true, fmt.Errorf("ZOHODESK_DC: %w", err)
	}
	edition, err := credits.ParseEdition(envOr("ZOHODESK_EDITION", "professional"))
	if err != nil {
		return desk.Config{}, true, fmt.Errorf("ZOHODESK_EDITION: %w", err)
	}
	agents, err := strconv.Atoi(envOr("ZOHODESK_AGENTS", "10"))
	if err != nil || agents < 0 {
		return desk.Config{}, true, fmt.Errorf("ZOHODESK_AGENTS=%q is not a number of agents", os.Getenv("ZOHODESK_AGENTS"))
	}
	for _, name := range []string{"ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"} {
		if os.Getenv(name) == "" {
			return desk.Config{}, true, fmt.Errorf("ZOHODESK_ORG_ID is set but %s is not: set all of %s, or none to use the fake server", name, Variables)
		}
	}
	return desk.Config{
		DataCenter:  dc,
		OrgID:       orgID,
		TokenSource: desk.RefreshToken(dc, os.Getenv("ZOHO_CLIENT_ID"), os.Getenv("ZOHO_CLIENT_SECRET"), os.Getenv("ZOHO_REFRESH_TOKEN")),
		Plan:        credits.Plan{Edition: edition, Agents: agents},
	}, true, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
