package job

import (
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"openbind/wechat"
)

// What the decisions about one failed call cost: a WeChat errcode and a
// reset connection, each read by the retry table, describe, errCode,
// mayHaveActed and callOutcome.
func BenchmarkClassify(b *testing.B) {
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"errcode", &url.Error{Op: "Post", URL: "u", Err: &wechat.APIError{Code: 45011, Msg: "m"}}},
		{"reset", transportErr(os.NewSyscallError("read", syscall.ECONNRESET))},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for range b.N {
				_ = transient(tt.err)
				_ = describe(tt.err, time.Second)
				_ = errCode(tt.err)
				_ = mayHaveActed(tt.err)
				_ = callOutcome(tt.err)
			}
		})
	}
}
