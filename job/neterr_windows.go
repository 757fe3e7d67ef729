//go:build windows

package job

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// isConnReset reports whether err is a connection reset by the peer:
// Winsock says WSAECONNRESET (10054), which is not syscall.ECONNRESET.
func isConnReset(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, syscall.ECONNRESET)
}

// isConnRefused reports whether err is a refused connection: Winsock's
// WSAECONNREFUSED (10061). Without this twin a refused connection on
// Windows would count as a call that may have acted.
func isConnRefused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}
