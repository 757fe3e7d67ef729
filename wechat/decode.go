package wechat

import "encoding/json"

// decodeAnswer is json.Unmarshal(data, ans), read directly for the form
// of every answer WeChat gives: one flat object of plain keys, whose
// values are integers or strings without escapes, such as
// {"errcode":0,"errmsg":"ok","open_appid":"wx0123456789abcdef"}. Anything
// else (an escape, a nested value, a repeated or mixed-case key, a
// number that is not a plain integer, text outside ASCII) goes to
// json.Unmarshal, whose error checkResponse reads. json.Unmarshal's
// reflection was ~2.5% of a --qps 0 run's CPU (scripts/bench -pprof);
// FuzzDecodeAnswer checks this against it.
func decodeAnswer(data []byte, ans *answer) error {
	if fastDecode(data, ans) {
		return nil
	}
	*ans = answer{}
	return json.Unmarshal(data, ans)
}

// fastDecode decodes data into ans when it is of the plain form
// decodeAnswer describes, and reports whether it was.
func fastDecode(data []byte, ans *answer) bool {
	d := scan{data: data}
	d.space()
	if !d.byte('{') {
		return false
	}
	var seen [3]bool
	for first := true; ; first = false {
		d.space()
		if d.byte('}') {
			d.space()
			return d.i == len(d.data)
		}
		if !first && (!d.byte(',') || !d.space()) {
			return false
		}
		key, ok := d.str()
		if !ok || !plainKey(key) {
			return false
		}
		d.space()
		if !d.byte(':') {
			return false
		}
		d.space()
		k := -1
		switch string(key) {
		case "errcode":
			k = 0
		case "errmsg":
			k = 1
		case "open_appid":
			k = 2
		}
		if k >= 0 {
			if seen[k] {
				return false // json.Unmarshal keeps the last: leave it to it
			}
			seen[k] = true
		}
		switch {
		case k == 0:
			n, ok := d.integer()
			if !ok {
				return false
			}
			ans.ErrCode = &n
		case k > 0:
			s, ok := d.str()
			if !ok {
				return false
			}
			if k == 1 {
				ans.ErrMsg = string(s)
			} else {
				ans.OpenAppID = string(s)
			}
		default: // a key the answer does not hold: its value is skipped
			if _, ok := d.str(); !ok {
				if _, ok := d.integer(); !ok {
					return false
				}
			}
		}
	}
}

// scan reads data from i on.
type scan struct {
	data []byte
	i    int
}

// space skips JSON white space; it reports true, for use in conditions.
func (d *scan) space() bool {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return true
		}
	}
	return true
}

// byte takes c if it is next.
func (d *scan) byte(c byte) bool {
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str takes a string of printable ASCII without escapes, and returns what
// is between its quotes.
func (d *scan) str() ([]byte, bool) {
	if !d.byte('"') {
		return nil, false
	}
	start := d.i
	for ; d.i < len(d.data); d.i++ {
		switch c := d.data[d.i]; {
		case c == '"':
			s := d.data[start:d.i]
			d.i++
			return s, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// integer takes an integer of at most 9 digits without a leading zero (as
// JSON writes them), optionally negative.
func (d *scan) integer() (int, bool) {
	neg := d.byte('-')
	start := d.i
	n := 0
	for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
		n = n*10 + int(d.data[d.i]-'0')
		d.i++
	}
	digits := d.i - start
	if digits == 0 || digits > 9 || (digits > 1 && d.data[start] == '0') {
		return 0, false
	}
	if d.i < len(d.data) {
		switch d.data[d.i] {
		case '.', 'e', 'E': // a fraction or an exponent: json's to read
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// plainKey reports whether key is lowercase letters, digits and '_':
// json.Unmarshal matches keys without regard to case (and folds some
// letters outside ASCII), so a key of any other form is left to it.
func plainKey(key []byte) bool {
	for _, c := range key {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
