package wechat

// CloseIdleConnections closes the connections the client keeps for its
// next calls: a run that has sent its last call gives their file
// descriptors back before it rewrites its results.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }
