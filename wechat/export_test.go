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
