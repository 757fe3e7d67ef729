package report

import (
	"strings"

	"openbind/locale"
)

// remedyIn is f's remedy in p's language: Remedy itself in English (the
// JSON report's), the catalog's "remedy.*" messages in another language.
// The cases follow Remedy's; the next round moves both into the catalog
// by errcode's remedy keys.
func (f *Failure) remedyIn(p *locale.Printer) string {
	if p.Lang() == locale.English {
		return f.Remedy()
	}
	if key := f.remedyKey(); key != "remedy.ip_whitelist" {
		return p.T(key)
	}
	return p.T("remedy.ip_whitelist", strings.Join(f.IPs, p.T("list.sep")))
}

// remedyKey is the catalog key of f's remedy.
func (f *Failure) remedyKey() string {
	if f.Status == Invalid {
		return "remedy.invalid_rows"
	}
	switch f.Code {
	case 40001, 40014, 42001:
		return "remedy.token"
	case 40013:
		return "remedy.appid_mismatch"
	case 89001:
		return "remedy.subject"
	case 89003:
		return "remedy.not_api_created"
	case 89036:
		return "remedy.not_api_or_unverified"
	case 89004:
		return "remedy.bind_limit"
	case 48001:
		return "remedy.unauthorized"
	case 61004:
		if len(f.IPs) > 0 {
			return "remedy.ip_whitelist"
		}
		return "remedy.ip_whitelist_unknown"
	case 45009:
		return "remedy.daily_quota"
	case 0:
		switch {
		case strings.HasPrefix(f.Msg, "TLS: "):
			return "remedy.tls"
		case strings.HasPrefix(f.Msg, "DNS: "), f.Msg == "connection refused", strings.HasPrefix(f.Msg, "connect timeout"):
			return "remedy.unreachable"
		}
		return "remedy.transient"
	case -1, 45011:
		return "remedy.transient"
	}
	return "remedy.other"
}
