package wechattest_test

import (
	"context"
	"strings"
	"testing"

	"openbind/wechat"
	"openbind/wechat/wechattest"
)

func TestReadScenario(t *testing.T) {
	in := "\ufeffAuthorizer_AppID,access_token,group,scenario\n" +
		"wx0000000000000001,T1,m1,bound\n" +
		"wx0000000000000002,T2,m1,\n" +
		"wx0000000000000003,T3,,expired code=48001\n" +
		"wx0000000000000004,T4,,mismatch\n" +
		"wx0000000000000005,T5,,faults=busy+none+502 subject=S\n" +
		"wx0000000000000001,T6,,\n" + // a duplicate: not registered again
		"wxbad,,,\n"
	got, err := wechattest.ReadScenario(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 {
		t.Fatalf("%d accounts: %+v", len(got), got)
	}
	checks := []struct {
		ok   bool
		what string
	}{
		{got[0].OpenAppID != "" && got[0].Subject == "m1" && got[0].Token == "T1", "bound, subject from the group"},
		{got[1].OpenAppID == "" && got[1].Subject == "m1", "plain member"},
		{got[2].Token == "T3-renewed" && len(got[2].StaleTokens) == 1 && got[2].StaleTokens[0] == "T3" && got[2].Code == 48001, "expired with a code"},
		{got[3].Token == "" && got[4].Token == "T4" && got[4].AppID != got[3].AppID, "mismatch: T4 opens another account"},
		{len(got[5].Faults) == 3 && got[5].Faults[2] == wechattest.BadGateway && got[5].Subject == "S", "faults and subject"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.what, got)
		}
	}
	if _, err := wechattest.ReadScenario(strings.NewReader("appid,access_token,scenario\nwx0000000000000001,T,nonsense\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("an unknown directive: %v", err)
	}
}

func TestBindRules(t *testing.T) {
	const (
		lead   = "wx00000000000000a1"
		member = "wx00000000000000a2"
		other  = "wx00000000000000a3"
		manual = "wx00000000000000a4"
		late   = "wx00000000000000a5"
	)
	srv := wechattest.New(
		wechattest.Account{AppID: lead, Token: "TL", Subject: "S"},
		wechattest.Account{AppID: member, Token: "TM", Subject: "S"},
		wechattest.Account{AppID: other, Token: "TO", Subject: "X"},
		wechattest.Account{AppID: manual, Token: "TA", Subject: "S", OpenAppID: "wxeeeeeeeeeeeeeeee", Manual: true},
		wechattest.Account{AppID: late, Token: "TN", Subject: "S"},
	).Start()
	defer srv.Close()
	c, err := wechat.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open, err := c.Create(ctx, "TL", lead)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		token, appid string
		open         string
		code         int
	}{
		{"same subject", "TM", member, open, 0},
		{"bound already", "TM", member, open, wechat.CodeAlreadyBound},
		{"other subject", "TO", other, open, wechat.CodeSubjectMismatch},
		{"not created by the API", "TN", late, "wxeeeeeeeeeeeeeeee", wechat.CodeNotCreatedByAPI},
		{"unknown open account", "TN", late, "wx0000000000009999", wechat.CodeInvalidAppID},
		{"appid of another account", "TN", member, open, wechat.CodeInvalidAppID},
		{"unknown token", "nope", late, open, wechat.CodeInvalidCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Bind(ctx, tt.token, tt.appid, tt.open)
			if tt.code == 0 && err != nil || tt.code != 0 && !wechat.IsCode(err, tt.code) {
				t.Errorf("Bind = %v, want errcode %d", err, tt.code)
			}
		})
	}
	if got := srv.Members(open); len(got) != 2 {
		t.Errorf("members %v", got)
	}
}

func TestRotateToken(t *testing.T) {
	const app = "wx00000000000000b1"
	srv := wechattest.New(wechattest.Account{AppID: app, Token: "old"}).Start()
	defer srv.Close()
	c, _ := wechat.NewClient(srv.URL, nil)
	if err := srv.RotateToken(app, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(context.Background(), "old", app); !wechat.IsCode(err, wechat.CodeTokenExpired) {
		t.Errorf("old token: %v, want 42001", err)
	}
	if _, err := c.Create(context.Background(), "new", app); err != nil {
		t.Errorf("new token: %v", err)
	}
}
