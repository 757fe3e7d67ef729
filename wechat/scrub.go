package wechat

import "errors"

// Scrubbing by value: the client knows the token of each call, so every
// text that comes back from that call — the errmsg of an answer, the
// strings of a transport error — has the token replaced before anyone sees
// it. Redaction by name (sanitizeURL) stays for the URL a *url.Error
// carries; this is what catches the rest (an answer "... url:
// /cgi-bin/open/create?access_token=<as received>").
//
// Matching is on a decoded form, not on a list of encodings: the text and
// the token are both decoded (scrubdecode.go: %XX in either case, '+' as a
// space, JSON and Go backslash escapes, HTML entities), again and again so
// that escaping applied twice or three times comes undone, and every
// stretch of the decoded text that is a piece of the decoded token at least
// pieceLen bytes long is replaced, in the original text, by REDACTED. A
// token shorter than pieceLen is matched whole only. The cost is linear in
// the length of the text: each decoding pass is one scan, and the pieces
// are found by sliding a rolling hash of pieceLen bytes over the text
// against the set of the token's pieceLen-grams (scrubmatch.go).

// pieceLen is the shortest piece of a token, in bytes of its decoded form,
// that is redacted: what a proxy that cut a URL short, or a server that
// quoted part of it, shows of a token.
const pieceLen = 16

// ScrubToken returns s with every piece of token of at least pieceLen
// bytes (the whole token when it is shorter), in any form, replaced by
// REDACTED.
func ScrubToken(s, token string) string {
	if token == "" || s == "" {
		return s
	}
	return newTokenMatcher(token).scrub(s)
}

// scrubbedError is an error of a call whose text has the call's token
// scrubbed; errors.As and errors.Is see the error it wraps.
type scrubbedError struct {
	err   error
	token string
}

func (e *scrubbedError) Error() string { return ScrubToken(e.err.Error(), e.token) }
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub is scrub for the callers that know of other tokens of a row than
// the one of its call (a token renewed between two attempts).
func Scrub(err error, token string) error { return scrub(err, token) }

// scrub makes err, an error of a call made with token, safe to show: the
// texts of WeChat's answer (*APIError.Msg, *BodyError.Reason) are scrubbed
// in place, and everything else through the wrapper.
func scrub(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Msg = ScrubToken(ae.Msg, token)
	}
	var be *BodyError
	if errors.As(err, &be) {
		be.Reason = ScrubToken(be.Reason, token)
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		ue.Last = scrub(ue.Last, token)
	}
	return &scrubbedError{err: err, token: token}
}
