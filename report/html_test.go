package report

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"openbind/locale"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func samplePage(t *testing.T) []byte {
	t.Helper()
	s, err := Summarize(filepath.Join("testdata", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	s.File = "results.csv"
	var b bytes.Buffer
	if err := s.WriteHTML(&b, PageOptions{Input: "wave3.csv"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The page of testdata/results.csv, byte for byte (go test -update): with
// no language given it is the English page of TestGoldenByLanguage.
func TestHTMLGolden(t *testing.T) {
	got := samplePage(t)
	golden := filepath.Join("testdata", "report.en.golden.html")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the page differs from %s (go test ./report -run TestHTMLGolden -update to accept it)", golden)
	}
}

// The page holds every section, and nothing from elsewhere: no script,
// no stylesheet, image or font by URL.
func TestHTMLSelfContained(t *testing.T) {
	doc, err := html.Parse(bytes.NewReader(samplePage(t)))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var texts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object", "embed":
				t.Errorf("<%s> in the page", n.Data)
			}
			for _, a := range n.Attr {
				if a.Key == "id" {
					ids[a.Val] = true
				}
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if (a.Key == "href" || a.Key == "src" || strings.HasSuffix(a.Key, "href") || a.Key == "action") &&
					(strings.Contains(v, "//") || strings.HasPrefix(v, "http")) {
					t.Errorf("<%s %s=%q>: a URL elsewhere", n.Data, a.Key, a.Val)
				}
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s>: a script", n.Data, a.Key)
				}
			}
		}
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data == "style" {
			if css := strings.ToLower(n.Data); strings.Contains(css, "url(") || strings.Contains(css, "@import") {
				t.Error("the style sheet loads something")
			}
		}
		if n.Type == html.TextNode {
			texts = append(texts, n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, id := range []string{"headline", "statuses", "timeline", "failures", "groups", "next"} {
		if !ids[id] {
			t.Errorf("no section %q", id)
		}
	}
	text := strings.Join(texts, " ")
	for _, want := range []string{
		"8 of 15 rows done (53.3%)",
		"refresh the tokens", // the remedy of 42001
		"bind them by hand",  // of 89001
		"merchant-a",         // split
		"merchant-c",         // incomplete
		"openbind run --input wave3.csv --output results.csv", // the command to run next
		"2 runs",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
}

// A page for a million rows stays small: it aggregates.
func TestHTMLSizeForAMillionRows(t *testing.T) {
	tally := NewTally()
	start := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	for i := range 1_000_000 {
		r := Record{Line: i + 2, AppID: fmt.Sprintf("wx%016x", i), Group: fmt.Sprintf("m%d", i/3), Status: Created, Attempts: 1,
			FinishedAt: start.Add(time.Duration(i) * 3 * time.Millisecond)}
		switch {
		case i%10 == 1:
			r.Status, r.ErrCode, r.ErrMsg = Failed, 40000+i%997, fmt.Sprintf("error %d", i%997) // many causes
		case i%10 == 2:
			r.Status = Pending
		}
		tally.Add(&r)
	}
	s := tally.Summary()
	var b bytes.Buffer
	if err := s.WriteHTML(&b, PageOptions{}); err != nil {
		t.Fatal(err)
	}
	if b.Len() > 1<<20 {
		t.Errorf("the page is %d bytes", b.Len())
	}
	if len(s.Timeline) > TimelineBins || len(s.Failures) > MaxCauses || s.OtherCauses == 0 {
		t.Errorf("%d bins, %d causes, %d rows of other causes", len(s.Timeline), len(s.Failures), s.OtherCauses)
	}
	t.Logf("page of 1,000,000 rows: %d bytes", b.Len())
}

// The page renders in headless Chromium to something that is not blank,
// in each language; in Chinese, with Chinese glyphs and not boxes.
// .ci/run installs Debian's chromium and fonts-noto-cjk; without chromium
// the test says so and skips.
func TestHTMLRendersInChromium(t *testing.T) {
	t.Parallel() // each browser has a profile of its own
	browser := chromium(t)
	for _, lang := range locale.Langs {
		t.Run(lang.String(), func(t *testing.T) {
			t.Parallel()
			s, err := Summarize(filepath.Join("testdata", "results.csv"))
			if err != nil {
				t.Fatal(err)
			}
			s.File = "results.csv"
			var b bytes.Buffer
			if err := s.WriteHTML(&b, PageOptions{Input: "wave3.csv", Lang: lang}); err != nil {
				t.Fatal(err)
			}
			img := screenshot(t, browser, b.Bytes(), "1100,1400")
			inked, colored := shares(img)
			t.Logf("screenshot %v: %.1f%% of pixels not white, %.1f%% colored", img.Bounds().Size(), 100*inked, 100*colored)
			if inked < 0.02 || colored < 0.005 {
				t.Errorf("the screenshot looks blank: %.2f%% of pixels not white, %.2f%% colored", 100*inked, 100*colored)
			}
		})
	}
}

// Chinese text in the page's fonts is drawn as glyphs: two different
// strings of the same length render differently, and differently from
// characters no font has (each of which is the same .notdef box). Boxes
// for every character would make all three the same picture.
func TestHTMLDrawsChineseGlyphs(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	font := regexp.MustCompile(`body \{ font: ([^;]*);`).FindStringSubmatch(pageTemplate)
	if font == nil {
		t.Fatal("no body font in the page's style")
	}
	// The three probes in one page, one band each: one browser to start.
	const band = 150
	probes := []string{"开放平台账号", "权限集白名单", strings.Repeat("\u0378", 6)} // the last unassigned: no font has it
	page := `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><style>body { margin: 0; background: #fff; font: ` + font[1] +
		`; } div { font-size: 48px; height: 150px; box-sizing: border-box; overflow: hidden; padding: 20px; color: #000; }</style><body>`
	for _, text := range probes {
		page += `<div>` + text + `</div>`
	}
	shot := screenshot(t, browser, []byte(page+`</body></html>`), "800,600") // a smaller window draws nothing
	bandOf := func(i int) image.Image {
		return shot.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(0, i*band, 800, (i+1)*band))
	}
	a, b, tofu := bandOf(0), bandOf(1), bandOf(2)
	if sameImage(a, b) {
		t.Error("two different Chinese strings render the same: boxes, not glyphs (is fonts-noto-cjk installed?)")
	}
	if sameImage(a, tofu) || sameImage(b, tofu) {
		t.Error("Chinese renders as the .notdef box (is fonts-noto-cjk installed?)")
	}
	if inked, _ := shares(a); inked < 0.002 {
		t.Errorf("the Chinese probe looks blank: %.2f%% inked", 100*inked)
	}
}

// sameImage reports whether a and b hold the same pixels, wherever their
// bounds lie (bands of one picture).
func sameImage(a, b image.Image) bool {
	ra, rb := a.Bounds(), b.Bounds()
	if ra.Size() != rb.Size() {
		return false
	}
	for y := 0; y < ra.Dy(); y++ {
		for x := 0; x < ra.Dx(); x++ {
			if a.At(ra.Min.X+x, ra.Min.Y+y) != b.At(rb.Min.X+x, rb.Min.Y+y) {
				return false
			}
		}
	}
	return true
}

// chromium is the path of a headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine (.ci/run installs Debian's chromium): the page was not rendered")
	return ""
}

// screenshot renders page in browser at size ("W,H"). With
// OPENBIND_SCREENSHOTS=DIR it keeps a copy there, named for the test.
func screenshot(t *testing.T, browser string, page []byte, size string) image.Image {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "page.png")
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size="+size, "--screenshot="+shot, "file://"+file)
	out, err := runWithTimeout(cmd, 90*time.Second)
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	raw, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	if keep := os.Getenv("OPENBIND_SCREENSHOTS"); keep != "" {
		_ = os.WriteFile(filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_")+".png"), raw, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// shares returns the share of pixels that are not white, and of those
// with a clear hue (the status colors and the chart).
func shares(img image.Image) (inked, colored float64) {
	b := img.Bounds()
	var n, ink, hue int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			n++
			if r < 240 || g < 240 || bl < 240 {
				ink++
			}
			if max(r, g, bl)-min(r, g, bl) > 60 {
				hue++
			}
		}
	}
	return float64(ink) / float64(n), float64(hue) / float64(n)
}

func runWithTimeout(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.Bytes(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return out.Bytes(), fmt.Errorf("no screenshot within %s", d)
	}
}
