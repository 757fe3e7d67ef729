package wechat

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultBaseURLs is the default of --base-url: the general domain, then
// the disaster-recovery domain WeChat names for when the first cannot be
// reached.
const DefaultBaseURLs = "https://api.weixin.qq.com,https://api2.weixin.qq.com"

// BaseURLError is a refused base URL. URL is the URL as given with its
// user information replaced: it never holds a password.
type BaseURLError struct {
	URL string
	Why string
}

func (e *BaseURLError) Error() string { return fmt.Sprintf("base URL %q: %s", e.URL, e.Why) }

// ParseBaseURLs checks a comma-separated list of base URLs (see
// ParseBaseURL); empty items are refused, so is an empty list.
func ParseBaseURLs(list string) ([]*url.URL, error) {
	var out []*url.URL
	for _, raw := range strings.Split(list, ",") {
		u, err := ParseBaseURL(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// ParseBaseURL checks one base URL: scheme://host[:port][/path] and
// nothing else. The scheme is https (http only for 127.0.0.0/8, ::1 and
// localhost, so that a token never crosses a network in clear text); user
// information, a query (even an empty one: a trailing "?"), and a fragment
// are refused. The error names the URL with any user information
// replaced, and never carries url.Parse's own message, which quotes the
// URL whole (password included) when it does not parse.
func ParseBaseURL(raw string) (*url.URL, error) {
	shown := redactUserInfo(raw)
	refuse := func(why string) (*url.URL, error) {
		return nil, &BaseURLError{URL: shown, Why: why}
	}
	const want = "want https://host[:port][/path] (http only to a loopback host)"
	scheme, rest, ok := strings.Cut(raw, "://")
	switch {
	case raw == "":
		return refuse("empty; " + want)
	case !ok || (scheme != "https" && scheme != "http"):
		return refuse(want)
	case strings.ContainsAny(raw, "?"):
		return refuse("a query (or a trailing \"?\") is not allowed")
	case strings.ContainsAny(raw, "#"):
		return refuse("a fragment is not allowed")
	}
	authority, _, _ := strings.Cut(rest, "/")
	if strings.Contains(authority, "@") {
		return refuse("user information is not allowed")
	}
	if strings.ContainsAny(raw, " \t\r\n\\") {
		return refuse(want)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil {
		return refuse("not a valid URL; " + want)
	}
	if port := u.Port(); strings.HasSuffix(u.Host, ":") || (port != "" && strings.Trim(port, "0123456789") != "") {
		return refuse("not a valid port; " + want)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return refuse("plain http is allowed only to loopback hosts (127.0.0.0/8, ::1, localhost); tokens must not cross a network in clear text")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// redactUserInfo returns raw with whatever stands between "://" (or the
// start) and its last "@" replaced: a password is never echoed, even in a
// URL that does not parse, nor in one whose password holds a "/", "?" or
// "#". (A refused URL may lose a little more than its user information.)
func redactUserInfo(raw string) string {
	i := strings.LastIndexByte(raw, '@')
	if i < 0 {
		return raw
	}
	if scheme, _, ok := strings.Cut(raw[:i], "://"); ok && (scheme == "https" || scheme == "http") {
		return scheme + "://REDACTED@" + raw[i+1:]
	}
	return "REDACTED@" + raw[i+1:]
}

// IsLoopback reports whether host (no port) names this machine.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
