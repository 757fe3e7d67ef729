package wechat

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// decodeAnswer reads an answer's body into ans, strictly: one JSON object
// whose keys errcode, errmsg and open_appid appear at most once each, as
// written (json.Unmarshal matches keys without regard to case and keeps
// the last of a repeated one, so {"errcode":45009,"errcode":0} and
// {"errcode":89001,"ERRCODE":0} read as successes), errcode an integer as
// JSON writes it (not 0.0, 1e0 or -0), errmsg and open_appid strings (or
// null); other keys are skipped. Body that is not JSON gives
// json.Unmarshal's syntax error; JSON of another form a *formError.
//
// The plain form of every answer WeChat gives, a flat object of plain
// keys and values such as
// {"errcode":0,"errmsg":"ok","open_appid":"wx0123456789abcdef"}, is read
// directly (fastDecode): json's reflection was ~2.5% of a --qps 0 run's
// CPU (scripts/bench -pprof). FuzzDecodeAnswer checks the fast path
// against strictDecode, and strictDecode against json.Unmarshal.
func decodeAnswer(data []byte, ans *answer) error {
	if fastDecode(data, ans) {
		return nil
	}
	*ans = answer{}
	if !json.Valid(data) {
		var v any
		return json.Unmarshal(data, &v) // its error says where and what
	}
	return strictDecode(data, ans)
}

// formError is an answer in JSON but not of the API's form. Its text is
// openbind's own: an answer is never quoted (a key may hold anything).
type formError struct{ why string }

func (e *formError) Error() string { return e.why }

// The fields of an answer, in the order of answer's.
var answerKeys = [...]string{"errcode", "errmsg", "open_appid"}

// strictDecode reads data, valid JSON, as decodeAnswer says.
func strictDecode(data []byte, ans *answer) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return &formError{"the answer is not a JSON object"}
	}
	var seen [len(answerKeys)]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		k := -1
		for i, name := range answerKeys {
			if strings.EqualFold(key, name) {
				if key != name {
					return &formError{"a key of the answer is " + name + " in other letters"}
				}
				if seen[i] {
					return &formError{name + " appears twice in the answer"}
				}
				seen[i], k = true, i
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if k < 0 || string(raw) == "null" {
			continue // another key, or a field left empty
		}
		if k == 0 {
			n, err := strconv.Atoi(string(raw))
			if err != nil || string(raw) == "-0" {
				return &formError{"errcode is not an integer"}
			}
			ans.ErrCode = &n
			continue
		}
		var str string
		if raw[0] != '"' || json.Unmarshal(raw, &str) != nil {
			return &formError{answerKeys[k] + " is not a string"}
		}
		if k == 1 {
			ans.ErrMsg = str
		} else {
			ans.OpenAppID = str
		}
	}
	if _, err := dec.Token(); err != nil { // the object's end
		return err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return &formError{"the answer goes on after its JSON object"}
	}
	return nil
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
		if n == 0 {
			return 0, false // -0: strictDecode refuses it
		}
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
