package main

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
)

// serveAnswerer is the stand-in of the scale figure, in a process of its
// own: it answers every create at once with an open account derived from
// the appid, and keeps nothing. serve-fake learns every account it sees
// (its token, its open account), so at millions of rows its own CPU and
// memory grow with the rows, it becomes the slower of the two processes
// on two cores and sets the wall clock's pace; this one costs the same
// per call at any size, so the figure measures openbind. It speaks
// serve-fake's two lines (listening on URL; stopped after N calls) so the
// bench drives both alike.
func serveAnswerer() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var calls, conns atomic.Int64
	seed := maphash.MakeSeed()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			var req struct {
				AppID string `json:"appid"`
			}
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<10))
			if err := json.Unmarshal(body, &req); err != nil || req.AppID == "" {
				fmt.Fprint(w, `{"errcode":40013,"errmsg":"invalid appid"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","open_appid":"wx%016x"}`, maphash.String(seed, req.AppID))
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		},
	}
	fmt.Printf("stand-in of WeChat listening on http://%s (stateless answerer)\n", ln.Addr())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	go func() {
		<-stop
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	fmt.Printf("stand-in stopped after %d calls (0 faulted), %d connections\n", calls.Load(), conns.Load())
	return nil
}
