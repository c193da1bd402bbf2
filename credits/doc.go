// Package credits is the credit domain of go-zohodesk: what a Zoho Desk
// organisation may spend in a day, what a call will cost before it is sent,
// what it really cost once answered, and whether a call may be sent now.
//
// The package knows HTTP methods, paths, query strings and response headers,
// and nothing of Desk's resources: the typed client lives in package desk and
// describes each request to this package as a [Call].
//
// The pieces, from the bottom up:
//
//   - [Plan] turns an edition, an agent count and bought credits into the
//     day's allotment and the portal's concurrency limit.
//   - [Observation] is what one response said about credits (its weight, the
//     organisation's remaining credits, Retry-After, the server's clock).
//   - [CostModel] estimates a call's cost before it is sent and learns from
//     the weights Desk reports.
//   - [Window] is the credit day: a calendar day in the data centre's zone.
//   - [Ledger] records what the organisation spent, what is held by calls in
//     flight, and whether the organisation has been stopped by Desk.
//   - [Governor] admits or refuses each attempt, paces and bounds concurrency.
//
// It is not an HTTP client and sends nothing itself.
package credits
