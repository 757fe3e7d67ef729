package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"time"

	"openbind/locale"
)

// The sign-off page: one self-contained HTML file (inline CSS and SVG, no
// script, no font or image from elsewhere), so that it opens offline, can
// be mailed, and prints. The charts are SVG written here: two bar charts
// do not need a charting library, and a library that emits SVG would
// still need a script or external styles for legends and labels.

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct":    pct,
	"dur":    func(d time.Duration) string { return d.Round(time.Second).String() },
	"lines":  joinLines,
	"code":   codeText,
	"plural": plural,
}).Parse(pageTemplate))

// PageOptions are what a page says beyond the results file.
type PageOptions struct {
	// Input is the accounts file, for the command to run next; empty when
	// unknown.
	Input string
	// Lang is the page's language (English when unset).
	Lang locale.Lang
}

// maxNames bounds the group names a page lists.
const maxNames = 50

// WriteHTML writes the sign-off page of s.
func (s *Summary) WriteHTML(w io.Writer, opt PageOptions) error {
	if opt.Lang == "" {
		opt.Lang = locale.English
	}
	return page.Execute(w, s.pageView(opt))
}

type statusView struct {
	Name  string
	Word  string // the status in the page's language, when not English
	Count int
	Class string
	Pct   float64
	X, W  float64 // its part of the outcome bar, in a 1000-wide box
	// Striped: drawn with stripes over its colour, so that it differs
	// from its neighbour created in grey print too.
	Striped bool
}

// gridView is a gridline of the timeline: its height and its rate.
type gridView struct {
	Y     float64
	Label string
}

type barView struct {
	X, Y, W, H float64
	Rows       int
	Start      string
	Rate       string
}

type pageView struct {
	p              *locale.Printer
	Lang           string
	S              *Summary
	Failures       []failureView
	FailureHeads   []string
	File           string
	Done, NotDone  int
	DonePct        float64
	Statuses       []statusView
	Bars           []barView
	Grid           []gridView
	MaxRate        string
	AchievedRate   string
	HasTimeline    bool
	Split, Incompl []string
	SplitMore      int
	IncomplMore    int
	Command        string
	Next           []string
}

func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

func (s *Summary) pageView(opt PageOptions) pageView {
	p := opt.Lang.Printer()
	v := pageView{p: p, Lang: opt.Lang.String(), S: s, File: s.File, Done: s.Done(), NotDone: s.Rows - s.Done(), DonePct: pct(s.Done(), s.Rows), Next: s.next(p)}
	for _, key := range []string{"rows", "status", "call", "errcode", "errmsg", "remedy", "lines", "rids"} {
		v.FailureHeads = append(v.FailureHeads, p.T("page.th."+key))
	}
	for i := range s.Failures {
		f := &s.Failures[i]
		v.Failures = append(v.Failures, failureView{F: f, Remedy: f.remedyIn(p), Lines: linesIn(p, f.Lines, f.Count)})
	}
	if v.File == "" {
		v.File = "results.csv"
	}
	x := 0.0
	for _, st := range Statuses {
		n := s.Counts[st]
		sv := statusView{Name: st.String(), Count: n, Class: st.String(), Pct: pct(n, s.Rows), Striped: st == AlreadyBound}
		if opt.Lang != locale.English {
			sv.Word = p.T("status.word." + st.String())
		}
		sv.X, sv.W = x, 10*sv.Pct
		x += sv.W
		v.Statuses = append(v.Statuses, sv)
	}
	// Rows finished over time: one bar per bin, its height the rate.
	maxRate := 0.0
	for _, b := range s.Timeline {
		maxRate = math.Max(maxRate, float64(b.Rows)/b.Width.Seconds())
	}
	if len(s.Timeline) > 0 && maxRate > 0 {
		v.HasTimeline = true
		w := 1000.0 / float64(len(s.Timeline))
		for i, b := range s.Timeline {
			r := float64(b.Rows) / b.Width.Seconds()
			h := 170 * r / maxRate
			v.Bars = append(v.Bars, barView{X: float64(i) * w, Y: 190 - h, W: math.Max(w-1, 0.5), H: h, Rows: b.Rows,
				Start: b.Start.UTC().Format("15:04:05"), Rate: rateText(r)})
		}
		for k := 1; k <= 4; k++ { // gridlines at a quarter of the busiest bar's rate
			v.Grid = append(v.Grid, gridView{Y: 190 - 170*float64(k)/4, Label: rateText(maxRate * float64(k) / 4)})
		}
		v.MaxRate = rateText(maxRate)
		v.AchievedRate = rateText(s.Rate())
	}
	v.Split, v.SplitMore = firstNames(s.SplitGroups)
	v.Incompl, v.IncomplMore = firstNames(s.IncompleteGroups)
	in := opt.Input
	if in == "" {
		in = "ACCOUNTS.csv"
	}
	v.Command = fmt.Sprintf("openbind run --input %s --output %s", in, v.File)
	return v
}

// failureView is a cause of failures as the page shows it.
type failureView struct {
	F      *Failure
	Remedy string
	Lines  string
}

// T is the message key in the page's language.
func (v pageView) T(key string, args ...any) string { return v.p.T(key, args...) }

// When is t as the page's language writes a time, in UTC.
func (v pageView) When(t time.Time) string { return t.UTC().Format(v.p.T("page.time.layout")) }

// N is n as the page's language writes a number (1,234).
func (v pageView) N(n int) string { return v.p.Number(n) }

// VerifyRemedy is what to do about a verification's exception, in the
// page's language.
func (v pageView) VerifyRemedy(e VerifyException) string { return e.RemedyIn(v.p) }

// F is a share with one decimal, as the page's language writes it.
func (v pageView) F(f float64) string { return v.p.Float(f, 1) }

func firstNames(names []string) ([]string, int) {
	if len(names) <= maxNames {
		return names, 0
	}
	return names[:maxNames], len(names) - maxNames
}
