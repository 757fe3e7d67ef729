package wechat

// EncodeRequestForTest is request.encode, for the tests of package
// wechat_test.
func EncodeRequestForTest(appid, openAppID string) ([]byte, error) {
	return request{AppID: appid, OpenAppID: openAppID}.encode()
}

// CheckResponseForTest is checkResponse, for the tests of package
// wechat_test: the open_appid of a success, or the error.
func CheckResponseForTest(status int, data []byte, path string) (string, error) {
	ans, err := checkResponse(status, data, path)
	return ans.OpenAppID, err
}

// DecodeAnswerForTest is fastDecode, for FuzzDecodeAnswer: whether data
// took the fast path, and the errcode (nil: absent), errmsg and
// open_appid it read.
func DecodeAnswerForTest(data []byte) (ok bool, code *int, msg, open string) {
	var ans answer
	ok = fastDecode(data, &ans)
	return ok, ans.ErrCode, ans.ErrMsg, ans.OpenAppID
}

// StrictDecodeForTest is strictDecode, for FuzzDecodeAnswer: the errcode,
// errmsg and open_appid it read, and its error.
func StrictDecodeForTest(data []byte) (code *int, msg, open string, err error) {
	var ans answer
	err = strictDecode(data, &ans)
	return ans.ErrCode, ans.ErrMsg, ans.OpenAppID, err
}

// DecodeForTest is s with its escapes undone as the scrubber does before
// matching, for FuzzScrubTokenPieces.
func DecodeForTest(s string) string {
	d := decodeAll(s, maxPasses)
	return string(d.b)
}
