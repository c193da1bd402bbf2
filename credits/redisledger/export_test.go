package redisledger

import "time"

// Queued returns how many reservations wait in l's group-commit queue (not
// counting a group in flight).
func Queued(l *Ledger) int {
	l.gmu.Lock()
	defer l.gmu.Unlock()
	return len(l.group)
}

// BucketWidth is how much later than its lease a hold can expire.
const BucketWidth = bucketMS * time.Millisecond

// SyncSource is the decision script's source.
const SyncSource = syncSource

// MaxRuns is how many script runs of reservations a Ledger has in flight
// at most.
const MaxRuns = maxRuns
