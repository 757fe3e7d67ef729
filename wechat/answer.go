package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// answer is the JSON body of every answer.
type answer struct {
	ErrCode   *int   `json:"errcode"`
	ErrMsg    string `json:"errmsg"`
	OpenAppID string `json:"open_appid"`
}

// checkResponse turns the status and body of an answer to a call of path
// into its answer or a *HTTPError, *BodyError or *APIError. It is the one
// place that reads errcode. Success needs errcode present and 0 and, for
// create and get, an open_appid of "wx" and 16 lowercase hex digits:
// anything else (no errcode, an open_appid such as "not-an-appid", a
// formula, 60 KB of text, an escape sequence) is a bad answer, a
// *BodyError, retried like a cut body and never a success. A BodyError
// never quotes the answer.
func checkResponse(status int, data []byte, path string) (answer, error) {
	var ans answer
	if status != http.StatusOK {
		return answer{}, &HTTPError{StatusCode: status}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return answer{}, &BodyError{Reason: "empty answer"}
	}
	if err := decodeAnswer(data, &ans); err != nil {
		reason := "answer is not JSON"
		var (
			syn  *json.SyntaxError
			form *formError
		)
		switch {
		case errors.As(err, &form):
			return answer{}, &BodyError{Reason: "answer is not of the API's form", Err: form}
		case errors.Is(err, io.ErrUnexpectedEOF) || (errors.As(err, &syn) && syn.Offset >= int64(len(data))):
			reason = "answer is truncated JSON"
		case looksLikeHTML(data):
			reason = "answer is an HTML page"
		}
		if err != nil {
			err = errors.New(strings.TrimPrefix(err.Error(), "json: "))
		}
		return answer{}, &BodyError{Reason: reason, Err: err}
	}
	switch {
	case ans.ErrCode == nil:
		return answer{}, &BodyError{Reason: "answer without errcode"}
	case *ans.ErrCode != 0:
		return answer{}, &APIError{Code: *ans.ErrCode, Msg: ans.ErrMsg}
	case path == PathBind:
		return ans, nil
	case ans.OpenAppID == "":
		return answer{}, &BodyError{Reason: "answer without open_appid"}
	case !ValidAppID(ans.OpenAppID):
		return answer{}, &BodyError{Reason: "answer with an open_appid that is not wx and 16 lowercase hex digits"}
	}
	return ans, nil
}

// ValidAppID reports whether s is "wx" and 16 lowercase hex digits, the
// form of every appid and open_appid.
func ValidAppID(s string) bool {
	if len(s) != 18 || s[:2] != "wx" {
		return false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func looksLikeHTML(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '<'
}
