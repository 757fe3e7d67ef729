// Package errcode is the one table of WeChat's errcodes that openbind
// knows: each code's number, its name, what it means to a run (its Class),
// the errmsg WeChat writes for it (without the request id it appends) and
// the key of its remedy, whose text lives with the other sentences for
// people (report's remedies, later the locale catalog). Handling a new
// errcode is a row here (and its remedy's text).
//
// It imports nothing: wechat, job, report and wechattest all ask it, and
// report and wechat stay apart.
package errcode

// Class is what a code means to a run.
type Class uint8

// The classes. Every answer with an errcode is WeChat's own: it says
// nothing was done, so no class "may have acted".
const (
	// Final: the row ends with it; asking again gives the same answer.
	// An errcode the table does not know is Final.
	Final Class = iota
	// Transient: WeChat is busy; the call is sent again after a backoff.
	Transient
	// MinuteQuota: the platform's minute quota; every call pauses (the
	// shared pause), then goes on slower, and the call is sent again.
	MinuteQuota
	// DailyQuota: the account's own daily quota is exhausted; the row
	// fails, and a streak of them stops the run.
	DailyQuota
	// Token: the access_token is invalid or stale; only a fresh token
	// helps (one from --token-command), and a streak stops the run.
	Token
	// Done: the account is bound already; the row is done (get tells to
	// which open account).
	Done
	// NotBound: get's answer that the account is bound to no open account.
	NotBound
)

var classNames = [...]string{Final: "final", Transient: "transient", MinuteQuota: "minute_quota",
	DailyQuota: "daily_quota", Token: "token", Done: "done", NotBound: "not_bound"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Retried reports whether a call that answered a code of class c is sent
// again (README's "Faults and retries").
func (c Class) Retried() bool { return c == Transient || c == MinuteQuota }

// The codes openbind acts on.
const (
	CodeBusy              = -1    // system busy: retry
	CodeInvalidCredential = 40001 // token invalid or not the latest
	CodeInvalidAppID      = 40013 // appid in the body is not the token's account
	CodeInvalidToken      = 40014 // token malformed
	CodeTokenExpired      = 42001 // token expired
	CodeDailyQuota        = 45009 // the account's daily quota exhausted
	CodeMinuteQuota       = 45011 // minute quota: slow everyone down
	CodeUnauthorized      = 48001 // API not authorized for this platform
	CodeIPNotAllowed      = 61004 // caller IP not whitelisted
	CodeAlreadyBound      = 89000 // account already bound to an open account
	CodeSubjectMismatch   = 89001 // different legal subject
	CodeNotBound          = 89002 // account not bound (get)
	CodeNotCreatedByAPI   = 89003 // open account not created through the API (bind)
	CodeBindLimit         = 89004 // open account's bind limit reached (bind)
	// CodeNotCreatedOrUnverified is bind's newer form of 89003: the open
	// account was not created through the API, or is not verified.
	CodeNotCreatedOrUnverified = 89036
)

// The keys of the remedies of the codes (what people should do about rows
// that failed with them).
const (
	RemedyTransient              = "remedy.transient"
	RemedyTokenStale             = "remedy.token_stale"
	RemedyAppIDMismatch          = "remedy.appid_mismatch"
	RemedyDailyQuota             = "remedy.daily_quota"
	RemedyUnauthorized           = "remedy.unauthorized"
	RemedyIPWhitelist            = "remedy.ip_whitelist"
	RemedySubjectMismatch        = "remedy.subject_mismatch"
	RemedyNotCreatedByAPI        = "remedy.not_created_by_api"
	RemedyBindLimit              = "remedy.bind_limit"
	RemedyNotCreatedOrUnverified = "remedy.not_created_or_unverified"
	// RemedySeeReference is the remedy of a code without one of its own
	// (and of a code the table does not know).
	RemedySeeReference = "remedy.see_reference"
)

// Code is a row of the table.
type Code struct {
	Num    int
	Name   string // the constant's name without "Code"
	Class  Class
	Msg    string // the errmsg WeChat writes, without its request id
	Remedy string // the key of its remedy
}

// table is every code openbind knows, in numeric order.
var table = []Code{
	{CodeBusy, "Busy", Transient, "system error", RemedyTransient},
	{CodeInvalidCredential, "InvalidCredential", Token, "invalid credential, access_token is invalid or not latest", RemedyTokenStale},
	{CodeInvalidAppID, "InvalidAppID", Final, "invalid appid", RemedyAppIDMismatch},
	{CodeInvalidToken, "InvalidToken", Token, "invalid access_token", RemedyTokenStale},
	{CodeTokenExpired, "TokenExpired", Token, "access_token expired", RemedyTokenStale},
	{CodeDailyQuota, "DailyQuota", DailyQuota, "reach max api daily quota limit", RemedyDailyQuota},
	{CodeMinuteQuota, "MinuteQuota", MinuteQuota, "reach max api minute quota limit", RemedyTransient},
	{CodeUnauthorized, "Unauthorized", Final, "api unauthorized", RemedyUnauthorized},
	{CodeIPNotAllowed, "IPNotAllowed", Final, "access clientip is not registered", RemedyIPWhitelist},
	{CodeAlreadyBound, "AlreadyBound", Done, "account has bound open", RemedySeeReference},
	{CodeSubjectMismatch, "SubjectMismatch", Final, "not same contractor", RemedySubjectMismatch},
	{CodeNotBound, "NotBound", NotBound, "account has not bound open", RemedySeeReference},
	{CodeNotCreatedByAPI, "NotCreatedByAPI", Final, "open not created by api", RemedyNotCreatedByAPI},
	{CodeBindLimit, "BindLimit", Final, "account has reached bind limit", RemedyBindLimit},
	{CodeNotCreatedOrUnverified, "NotCreatedOrUnverified", Final, "open is not created by api or not verified", RemedyNotCreatedOrUnverified},
}

// Of returns code's row; a code the table does not know gets a row of
// its own: Final, no name, no errmsg, the reference as its remedy.
func Of(code int) Code {
	for _, c := range table {
		if c.Num == code {
			return c
		}
	}
	return Code{Num: code, Class: Final, Remedy: RemedySeeReference}
}

// Known reports whether code is a row of the table.
func Known(code int) bool { return Of(code).Name != "" }

// All returns the table's rows, in numeric order.
func All() []Code { return append([]Code(nil), table...) }

// ClassOf is Of(code).Class.
func ClassOf(code int) Class { return Of(code).Class }
