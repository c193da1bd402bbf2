// Package desk is a typed client for the Zoho Desk REST API (v1) that meters
// every call in Desk's API credits.
//
// Every attempt a [Client] sends is first admitted by a [credits.Governor]:
// it is refused before anything is sent when it would break the job's cap,
// the daily budget or a stop Desk ordered, and it is paced and bounded in
// concurrency otherwise. Each response's credit headers settle what the call
// really cost; [Response.Credits] reports it.
//
// One service per resource hangs off the client (c.Tickets, c.Contacts, ...),
// each method documented with the endpoint it calls. Errors from Desk are
// *[Error] values carrying Desk's errorCode, matchable with errors.Is against
// the sentinels of this package (ErrThresholdExceeded, ErrNotFound, ...).
//
// Package desk/desktest provides a fake Desk server for tests and examples.
package desk
