package wechat

// EncodeRequestForTest is request.encode, for the tests of package
// wechat_test.
func EncodeRequestForTest(appid, openAppID string) ([]byte, error) {
	return request{AppID: appid, OpenAppID: openAppID}.encode()
}
