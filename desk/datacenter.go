package desk

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the credit day's zones must load on machines without a zoneinfo database
)

// DataCenter is a Zoho data centre. Its value is the domain suffix
// ("com", "eu", ...), except CA, which Zoho serves from zohocloud.ca.
type DataCenter string

// The data centres where Zoho Desk runs.
const (
	US DataCenter = "com"
	EU DataCenter = "eu"
	IN DataCenter = "in"
	AU DataCenter = "com.au"
	JP DataCenter = "jp"
	CN DataCenter = "com.cn"
	SA DataCenter = "sa"
	SG DataCenter = "sg"
	AE DataCenter = "ae"
	CA DataCenter = "ca"
)

// dcInfo is read-only after package initialisation. The zones are the
// defaults for the credit day; Zoho does not publish them per data centre, so
// Config.Zone overrides them.
var dcInfo = map[DataCenter]struct {
	name string
	zone string
}{
	US: {"US", "America/Los_Angeles"},
	EU: {"EU", "Europe/Amsterdam"},
	IN: {"IN", "Asia/Kolkata"},
	AU: {"AU", "Australia/Sydney"},
	JP: {"JP", "Asia/Tokyo"},
	CN: {"CN", "Asia/Shanghai"},
	SA: {"SA", "Asia/Riyadh"},
	SG: {"SG", "Asia/Singapore"},
	AE: {"AE", "Asia/Dubai"},
	CA: {"CA", "America/Toronto"},
}

// ParseDataCenter accepts a data centre by name ("US", "eu") or by domain
// suffix ("com", "com.au", "zohocloud.ca"), ignoring case.
func ParseDataCenter(s string) (DataCenter, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for dc, info := range dcInfo {
		if k == string(dc) || k == strings.ToLower(info.name) {
			return dc, nil
		}
	}
	if k == "zohocloud.ca" {
		return CA, nil
	}
	return "", fmt.Errorf("desk: unknown data centre %q: use one of US, EU, IN, AU, JP, CN, SA, SG, AE, CA: %w", s, ErrInvalidConfig)
}

// Valid reports whether dc is a known data centre.
func (dc DataCenter) Valid() bool { _, ok := dcInfo[dc]; return ok }

// String returns the data centre's short name ("US", "EU", ...).
func (dc DataCenter) String() string {
	if info, ok := dcInfo[dc]; ok {
		return info.name
	}
	return fmt.Sprintf("DataCenter(%q)", string(dc))
}

func (dc DataCenter) domain() string {
	if dc == CA {
		return "zohocloud.ca"
	}
	return "zoho." + string(dc)
}

// APIBase returns the root of the Desk API, e.g. "https://desk.zoho.com/api/v1".
func (dc DataCenter) APIBase() string { return "https://desk." + dc.domain() + "/api/v1" }

// AccountsURL returns the root of the accounts (OAuth) server, e.g.
// "https://accounts.zoho.com".
func (dc DataCenter) AccountsURL() string { return "https://accounts." + dc.domain() }

// Zone returns the default time zone of the data centre's credit day.
func (dc DataCenter) Zone() (*time.Location, error) {
	info, ok := dcInfo[dc]
	if !ok {
		return nil, fmt.Errorf("desk: unknown data centre %q: %w", string(dc), ErrInvalidConfig)
	}
	return time.LoadLocation(info.zone)
}
