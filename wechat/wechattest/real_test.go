package wechattest_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"openbind/wechat"
	"openbind/wechat/wechattest"
)

// The stand-in answers errors in the forms of WeChat's real answers: the
// same errcode with many texts, nearly all with a request id whose first 8
// hex digits are the time of the request; SetCleanForms gives the clean
// texts.
func TestRealForms(t *testing.T) {
	srv := wechattest.New(wechattest.Account{AppID: "wx0000000000000001", Token: "T1", Code: 48001},
		wechattest.Account{AppID: "wx0000000000000002", Token: "T2", Code: 61004}).Start()
	defer srv.Close()
	c, err := wechat.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	msgs := map[string]bool{}
	ridRE := regexp.MustCompile(`rid: ?([0-9a-f]{8})-[0-9a-f]{8}-[0-9a-f]{8}$`)
	for range 12 {
		_, err := c.Create(ctx, "T1", "wx0000000000000001")
		var ae *wechat.APIError
		if !errors.As(err, &ae) || ae.Code != 48001 || !strings.HasPrefix(ae.Msg, "api unauthorized") {
			t.Fatalf("create: %v", err)
		}
		msgs[ae.Msg] = true
		if m := ridRE.FindStringSubmatch(ae.Msg); m != nil {
			sec, _ := strconv.ParseInt(m[1], 16, 64)
			if d := time.Since(time.Unix(sec, 0)); d < -time.Second || d > time.Minute {
				t.Errorf("rid %s is not of now", m[0])
			}
		} else if !strings.Contains(ae.Msg, "hint: [") {
			t.Errorf("no request id in %q", ae.Msg)
		}
	}
	if len(msgs) != 12 {
		t.Errorf("%d distinct errmsgs in 12 answers", len(msgs))
	}
	_, err = c.Create(ctx, "T2", "wx0000000000000002")
	if !strings.Contains(err.Error(), "requestIP: 127.0.0.1 rid: ") {
		t.Errorf("61004: %v", err)
	}
	srv.SetCleanForms(true)
	if _, err := c.Create(ctx, "T1", "wx0000000000000001"); err.Error() != "errcode 48001: api unauthorized" {
		t.Errorf("clean: %v", err)
	}
}

// Each account's own quota: its calls beyond answer 45009, the others'
// go on; a bind to an open account not created by the API and not
// verified answers 89036; a second address serves the same accounts, and
// either can be made to refuse connections.
func TestQuotasBindAndAddresses(t *testing.T) {
	srv := wechattest.New(
		wechattest.Account{AppID: "wx0000000000000001", Token: "T1", HasQuota: true, Quota: 1},
		wechattest.Account{AppID: "wx0000000000000002", Token: "T2", Subject: "S"},
		wechattest.Account{AppID: "wx0000000000000003", Token: "T3", Subject: "S", OpenAppID: "wxeeeeeeeeeeeeeeee", Manual: true, Unverified: true},
	).Start()
	defer srv.Close()
	second, err := srv.AddAddress("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wechat.NewClient(srv.URL, nil)
	ctx := context.Background()
	if _, err := c.Get(ctx, "T1", ""); !wechat.IsCode(err, wechat.CodeNotBound) {
		t.Fatalf("first call: %v", err)
	}
	if _, err := c.Get(ctx, "T1", ""); !wechat.IsCode(err, wechat.CodeDailyQuota) {
		t.Errorf("beyond the account's quota: %v", err)
	}
	srv.SetAccountQuota(0)
	if _, err := c.Get(ctx, "T2", ""); !wechat.IsCode(err, wechat.CodeDailyQuota) {
		t.Errorf("SetAccountQuota(0): %v", err)
	}
	srv.SetAccountQuota(-1)
	if err := c.Bind(ctx, "T2", "", "wxeeeeeeeeeeeeeeee"); !wechat.IsCode(err, wechat.CodeNotCreatedOrUnverified) {
		t.Errorf("bind to an unverified manual open account: %v", err)
	}
	c2, _ := wechat.NewClient(second, nil)
	if open, err := c2.Get(ctx, "T3", ""); err != nil || open != "wxeeeeeeeeeeeeeeee" {
		t.Errorf("the second address: %q, %v", open, err)
	}
	if err := srv.SetReachable(1, false); err != nil {
		t.Fatal(err)
	}
	_, _ = c2.Get(ctx, "T3", "") // the kept-alive connection is gone: EOF
	if _, err := c2.Get(ctx, "T3", ""); !wechat.Unreachable(err) {
		t.Errorf("the second address down: %v", err)
	}
	if err := srv.SetReachable(1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Get(ctx, "T3", ""); err != nil {
		t.Errorf("the second address up again: %v", err)
	}
	if got := srv.URLs(); len(got) != 2 || got[0] != srv.URL || got[1] != second {
		t.Errorf("URLs %v", got)
	}
}
