//go:build !windows

package job

import (
	"errors"
	"syscall"
)

// isConnReset reports whether err is a connection reset by the peer.
func isConnReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// isConnRefused reports whether err is a refused connection.
func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
