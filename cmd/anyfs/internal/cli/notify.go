package cli

import "github.com/coreos/go-systemd/v22/daemon"

// sdNotify tells systemd (a Type=notify unit, $NOTIFY_SOCKET) the mount's
// state: daemon.SdNotifyReady once it serves, daemon.SdNotifyStopping when it
// ends. Without $NOTIFY_SOCKET it does nothing.
func sdNotify(state string) {
	_, _ = daemon.SdNotify(false, state)
}
