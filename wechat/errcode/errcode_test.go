package errcode

import "testing"

// Every row of the table is whole: a known class, a name, WeChat's errmsg,
// a remedy key; numbers ascend and appear once. (report's tests walk the
// remedy keys to their English texts, job's the rows of README's retry
// table.)
func TestTableInFull(t *testing.T) {
	prev := -1 << 31
	for _, c := range All() {
		t.Run(c.Name, func(t *testing.T) {
			if c.Num <= prev {
				t.Errorf("%d after %d: the table is not in numeric order, or holds a code twice", c.Num, prev)
			}
			if c.Name == "" || c.Msg == "" || c.Remedy == "" {
				t.Errorf("%+v: a name, an errmsg and a remedy key, each", c)
			}
			if s := c.Class.String(); s == "unknown" {
				t.Errorf("%d: class %d is not one of the classes", c.Num, c.Class)
			}
			if got := Of(c.Num); got != c || !Known(c.Num) {
				t.Errorf("Of(%d) = %+v, want %+v", c.Num, got, c)
			}
		})
		prev = c.Num
	}
}

func TestClasses(t *testing.T) {
	tests := []struct {
		code    int
		class   Class
		retried bool
	}{
		{CodeBusy, Transient, true},
		{CodeMinuteQuota, MinuteQuota, true},
		{CodeDailyQuota, DailyQuota, false},
		{CodeInvalidCredential, Token, false},
		{CodeInvalidToken, Token, false},
		{CodeTokenExpired, Token, false},
		{CodeAlreadyBound, Done, false},
		{CodeNotBound, NotBound, false},
		{CodeSubjectMismatch, Final, false},
		{CodeInvalidAppID, Final, false},
		{12345, Final, false}, // unknown: final
	}
	for _, tt := range tests {
		c := Of(tt.code)
		if c.Class != tt.class || c.Class.Retried() != tt.retried {
			t.Errorf("%d: class %s (retried %v), want %s (%v)", tt.code, c.Class, c.Class.Retried(), tt.class, tt.retried)
		}
	}
	if u := Of(12345); Known(12345) || u.Remedy != RemedySeeReference || u.Msg != "" {
		t.Errorf("an unknown code's row: %+v", u)
	}
	if s := Class(200).String(); s != "unknown" {
		t.Errorf("Class(200) = %q", s)
	}
}
