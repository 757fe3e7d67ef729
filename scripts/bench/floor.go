package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
)

// floorClient is the floor of the overhead figure: for every row of input
// it makes the call openbind makes (create, the same JSON body, the token
// in the query) with workers goroutines, each with its connection kept
// (MaxIdleConnsPerHost = MaxConnsPerHost = workers), reads the answer and discards it, and
// does nothing else: no check of the row, of the answer, no record.
func floorClient(base, input string, workers int) error {
	f, err := os.Open(input)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = workers, workers
	// A worker's next call may start before its connection is back in the
	// pool (the transport returns it from another goroutine): it waits for
	// it rather than dial another.
	tr.MaxConnsPerHost = workers
	hc := &http.Client{Transport: tr}
	prefix := base + "/cgi-bin/open/create?access_token="
	type row struct{ appid, token string }
	rows := make(chan row, workers)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			for r := range rows {
				body := `{"appid":"` + r.appid + `"}`
				resp, err := hc.Post(prefix+url.QueryEscape(r.token), "application/json", bytes.NewReader([]byte(body)))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		appid, token, _ := bytes.Cut(sc.Bytes(), []byte{','})
		rows <- row{string(appid), string(token)}
	}
	close(rows)
	wg.Wait()
	return errors.Join(firstErr, sc.Err())
}
