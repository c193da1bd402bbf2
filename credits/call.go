package credits

import (
	"net/url"
)

// Call describes one API request to the credit engine: enough to estimate its
// cost and to key what is learnt about it, nothing of Desk's types.
type Call struct {
	// Method is the HTTP method, upper case.
	Method string
	// Path is the request path below the API root, e.g. "/tickets/123",
	// without the "/api/v1" prefix.
	Path string
	// Query is the request's query (from, limit, ...). May be nil.
	Query url.Values
	// Records is the number of records a bulk call acts on (IDs to trash,
	// tickets to update); 0 for calls on one record or none.
	Records int
}
