package vault

import "net"

// listenControl starts the control socket; placeholder replaced below.
func (f *FS) listenControl() (net.Listener, string) { return nil, "" }
