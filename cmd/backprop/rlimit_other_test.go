//go:build !linux

package main

// rlimitExec applies limits on Linux only; elsewhere the hostile-input
// tests are skipped.
func rlimitExec() {}
