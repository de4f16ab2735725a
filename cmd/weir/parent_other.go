//go:build !linux

package main

// stopWithParent does nothing outside Linux, which alone lets a process
// ask to be signalled when its parent exits.
func stopWithParent() {}
