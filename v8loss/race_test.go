//go:build race

package v8loss

// raceOn reports a -race build, whose runtime allocates on its own.
const raceOn = true
