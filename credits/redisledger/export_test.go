package redisledger

// Queued returns how many reservations wait in l's group-commit queue (not
// counting a group in flight).
func Queued(l *Ledger) int {
	l.gmu.Lock()
	defer l.gmu.Unlock()
	return len(l.group)
}
