package wechattest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadScenario reads the accounts of a stand-in from an openbind input file
// that carries, beside appid, access_token and the optional group, a column
// `scenario` saying how each account behaves (openbind ignores the column).
// A scenario cell holds directives separated by spaces:
//
//	(empty)        a plain account: create succeeds
//	bound          already bound to an open account created through the API
//	bound-manual   already bound to an open account not created through the API
//	               (a bind to it answers 89003)
//	bound-unverified  the same, in the newer form: a bind to it answers 89036
//	quota=N        the account's own daily quota: N calls, then 45009
//	expired        the row's token has been replaced: it answers 42001, and
//	               the row's token followed by "-renewed" works
//	token=T        the account's token is T (for a row whose cell is empty)
//	unknown-token  the row's token is unknown: 40001
//	mismatch       the row's token belongs to another account: 40013
//	code=N         every call answers errcode N (e.g. code=89001, code=48001)
//	faults=A+B     the first calls answer faults A, B… (see Fault)
//	subject=S      the legal subject (default: the group, else the account's own)
//	mp             a Mini Program (an open account takes at most 5 unverified)
//
// Rows whose appid or token is empty, and later rows of a repeated appid,
// are not registered (openbind never sends them).
func ReadScenario(r io.Reader) ([]Account, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("scenario header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "authorizer_appid":
			h = "appid"
		case "authorizer_access_token":
			h = "access_token"
		}
		col[h] = i
	}
	if _, ok := col["appid"]; !ok {
		return nil, errors.New("scenario: no appid column")
	}
	cell := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Account
	seen := map[string]bool{}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("scenario: %w", err)
		}
		a := Account{AppID: strings.ToLower(cell(rec, "appid")), Token: cell(rec, "access_token"), Subject: cell(rec, "group")}
		if a.AppID == "" || seen[a.AppID] {
			continue
		}
		line, _ := cr.FieldPos(0)
		hadToken := a.Token != ""
		var extra []Account
		for _, d := range strings.Fields(cell(rec, "scenario")) {
			more, err := a.apply(d, n)
			if err != nil {
				return nil, fmt.Errorf("scenario line %d: %w", line, err)
			}
			extra = append(extra, more...)
		}
		if !hadToken && a.Token == "" {
			continue // a row openbind does not send: its token is empty and no command gives one
		}
		seen[a.AppID] = true
		out = append(out, a)
		out = append(out, extra...)
	}
}

// apply sets one scenario directive; n numbers the row, for made-up names.
// It returns the other accounts the directive makes up.
func (a *Account) apply(d string, n int) ([]Account, error) {
	key, val, _ := strings.Cut(d, "=")
	switch key {
	case "bound", "bound-manual", "bound-unverified":
		a.OpenAppID = fmt.Sprintf("wx%016x", 0xe0000000_00000000|uint64(n))
		a.Manual = key != "bound"
		a.Unverified = key == "bound-unverified"
	case "quota":
		q, err := strconv.Atoi(val)
		if err != nil || q < 0 {
			return nil, fmt.Errorf("quota=%q: want a number of calls", val)
		}
		a.Quota, a.HasQuota = q, true
	case "expired":
		a.StaleTokens = append(a.StaleTokens, a.Token)
		a.Token += "-renewed"
	case "unknown-token":
		a.Token = ""
	case "mismatch":
		// The row's token opens another, made-up account.
		other := Account{AppID: fmt.Sprintf("wx%016x", 0xd0000000_00000000|uint64(n)), Token: a.Token}
		a.Token = ""
		return []Account{other}, nil
	case "code":
		c, err := strconv.Atoi(val)
		if err != nil {
			return nil, fmt.Errorf("code=%q: %w", val, err)
		}
		a.Code = c
	case "faults":
		for _, name := range strings.Split(val, "+") {
			f, err := ParseFault(name)
			if err != nil {
				return nil, err
			}
			a.Faults = append(a.Faults, f)
		}
	case "subject":
		a.Subject = val
	case "token":
		a.Token = val
	case "mp":
		a.MiniProgram = true
	default:
		return nil, fmt.Errorf("unknown scenario directive %q", d)
	}
	return nil, nil
}
