package main

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

// gen makes the rows of the bench's files: random appids and tokens of
// real length (150 characters of the URL-safe alphabet), the same for a
// seed and a size.
type gen struct{ r *rand.Rand }

func (b *bench) gen(salt uint64) gen { return gen{rand.New(rand.NewPCG(b.seed, salt))} }

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (g gen) appid() string { return fmt.Sprintf("wx%016x", g.r.Uint64()) }

func (g gen) token(b []byte) []byte {
	b = b[:0]
	for len(b) < 150 {
		x := g.r.Uint64()
		for k := 0; k < 10 && len(b) < 150; k++ {
			b = append(b, tokenAlphabet[x&63])
			x >>= 6
		}
	}
	return b
}

// writeInput writes an input file of n rows and returns the appids.
func (b *bench) writeInput(name string, n int) (string, []string, error) {
	path := b.path(name)
	f, err := os.Create(path)
	if err != nil {
		return "", nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g := b.gen(uint64(n))
	ids := make([]string, n)
	var tok []byte
	fmt.Fprintln(w, "appid,access_token")
	for i := range n {
		ids[i] = g.appid()
		tok = g.token(tok)
		w.WriteString(ids[i])
		w.WriteByte(',')
		w.Write(tok)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return "", nil, err
	}
	return path, ids, f.Close()
}

// mix is a made-up open appid of row i (splitmix64): the same in any order.
func mix(seed, i uint64) uint64 {
	x := seed ^ (i+1)*0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// writeDoneResults writes the results file of the input ids, every row
// created, its records in the order of order (row indexes).
func (b *bench) writeDoneResults(name string, ids []string, order []int) (string, error) {
	path := b.path(name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	// The header as openbind writes it, after a byte order mark: the file
	// is the final file as it stands, which a resume leaves alone.
	fmt.Fprintln(w, "\ufeffline,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at")
	for _, i := range order {
		fmt.Fprintf(w, "%d,%s,,created,wx%016x,,,1,2026-11-27T03:04:05.678Z\n", i+2, ids[i], mix(b.seed, uint64(i)))
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return path, f.Close()
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

func copyFile(dst, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
