module github.com/anyfs/anyfs

go 1.24.0

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/hanwen/go-fuse/v2 v2.12.1
	github.com/moby/sys/mountinfo v0.7.2
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/winfsp/cgofuse v1.6.0
	golang.org/x/sys v0.40.0
)

require github.com/inconshreveable/mousetrap v1.1.0 // indirect
