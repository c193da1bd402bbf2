package desktest

import "errors"

// ErrClockNotControllable is returned by the methods that move the server's
// clock when Options.Clock has no Advance or Set method (the system clock).
var ErrClockNotControllable = errors.New("desktest: the server's clock cannot be moved: pass a controllable clock (Advance or Set method) in Options.Clock")
