//go:build !windows

package main

import "golang.org/x/sys/unix"

// writableDir asks the kernel whether this process may create files in
// dir (access(2): permissions, a read-only file system), creating nothing.
func writableDir(dir string) error {
	return unix.Access(dir, unix.W_OK|unix.X_OK)
}
