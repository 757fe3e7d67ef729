package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The page can be read by everyone (issue 18): created and already_bound
// differ in lightness (a contrast of at least 1.8, whatever hue a reader
// sees) and by stripes; every pair of statuses differs in colour; the
// stacked bar has a legend naming every status; the timeline has
// gridlines with their rates; card labels do not wrap.
func TestHTMLLegibility(t *testing.T) {
	page := string(samplePage(t))
	colours := map[string][3]float64{}
	for _, m := range regexp.MustCompile(`--([a-z_]+):#([0-9a-f]{6})`).FindAllStringSubmatch(page, -1) {
		var c [3]float64
		for i := range 3 {
			v, _ := strconv.ParseUint(m[2][2*i:2*i+2], 16, 8)
			c[i] = float64(v) / 255
		}
		colours[m[1]] = c
	}
	for _, st := range Statuses {
		if _, ok := colours[st.String()]; !ok {
			t.Fatalf("no colour for %s", st)
		}
	}
	if r := contrast(colours["created"], colours["already_bound"]); r < 1.8 {
		t.Errorf("created and already_bound differ in lightness by a contrast of %.2f, want 1.8 or more", r)
	}
	for i, a := range Statuses {
		for _, b := range Statuses[i+1:] {
			if colours[a.String()] == colours[b.String()] {
				t.Errorf("%s and %s have one colour", a, b)
			}
		}
	}
	if !regexp.MustCompile(`<rect class="already_bound"[^>]*>.*</rect>\s*<rect [^>]*fill="url\(#stripes\)"`).MatchString(page) {
		t.Error("already_bound is not striped in the bar")
	}
	i := strings.Index(page, `<ul class="legend"`)
	if i < 0 {
		t.Fatal("the stacked bar has no legend")
	}
	legend, _, _ := strings.Cut(page[i:], "</ul>")
	for _, st := range Statuses {
		if !strings.Contains(legend, fmt.Sprintf(`<rect class="%s"`, st)) || !strings.Contains(legend, st.String()+" ") {
			t.Errorf("the legend has no %s", st)
		}
	}
	if n := strings.Count(page, `<line class="grid"`); n != 4 {
		t.Errorf("%d gridlines, want 4", n)
	}
	if !regexp.MustCompile(`<text class="grid"[^>]*>[0-9.]+ rows/s</text>`).MatchString(page) {
		t.Error("the gridlines carry no rate")
	}
	if !regexp.MustCompile(`\.card \.name, \.card \.pct \{[^}]*white-space: nowrap`).MatchString(page) {
		t.Error("card labels may wrap")
	}
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(c [3]float64) float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}
