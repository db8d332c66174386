//go:build linux

// Command workload is the benchmark driver of test/bench: it runs the same file
// system workloads against any directory (a native directory, a go-fuse loopback
// mount, an anyfs mount) and prints the results as JSON, and it formats the results
// of several runs as one comparison table.
//
//	workload run [flags] -dir DIR          run the workloads in DIR; JSON on stdout
//	workload populate -dir DIR -n N        create DIR/list with N empty files
//	workload table [-md] NAME=FILE ...     print the results side by side, with ratios
//
// See test/bench/compare.sh, which builds everything and runs every column, and
// docs/performance.md for what each workload measures.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(os.Args[2:])
	case "populate":
		err = populateCmd(os.Args[2:])
	case "table":
		err = tableCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  workload run [flags] -dir DIR
  workload populate -dir DIR -n N
  workload table [-md] NAME=FILE ...`)
	os.Exit(2)
}
