//go:build race

package main

// raceEnabled: the race detector multiplies a process's memory, which the
// soft memory limit does not foresee (see tuneGC).
const raceEnabled = true
