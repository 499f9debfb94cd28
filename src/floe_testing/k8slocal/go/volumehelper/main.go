// Command volumehelper makes and removes the directories behind scripts/k8s-local's
// PersistentVolumes. local-path-provisioner runs it in a short-lived helper pod on the node,
// with the volume's parent directory mounted from the host at the same path:
//
//	volumehelper -p PATH -s SIZE_BYTES -m Filesystem -a create   make PATH (mode 0777)
//	volumehelper -p PATH -s SIZE_BYTES -m Filesystem -a delete   remove PATH and its content
//
// The provisioner passes exactly these flags when its configuration names a setup and a
// teardown command (scripts/k8s-local's storage add-on does), so no shell is needed in the
// helper image. PATH is 0777 because a hostPath volume is not chowned to the pod's fsGroup:
// the pods that mount it run as their own non-root users. Both actions are idempotent: a
// retried create finds the directory, a retried delete finds nothing. Written for this
// project (the provisioner's examples use a shell script in a busybox image).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	flags := flag.NewFlagSet("volumehelper", flag.ContinueOnError)
	path := flags.String("p", "", "the volume's directory (absolute)")
	flags.String("s", "0", "the requested size in bytes (not enforced: a directory has no quota)")
	mode := flags.String("m", "Filesystem", "the volume mode; only Filesystem is supported")
	action := flags.String("a", "", "create or delete")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := run(*path, *mode, *action); err != nil {
		fmt.Fprintf(os.Stderr, "volumehelper: %s %s: %v\n", *action, *path, err)
		os.Exit(1)
	}
	fmt.Printf("volumehelper: %sd %s\n", *action, *path) // created, deleted
}

func run(path, mode, action string) error {
	if mode != "Filesystem" {
		return fmt.Errorf("volume mode %q is not supported (only Filesystem)", mode)
	}
	if !filepath.IsAbs(path) || filepath.Clean(path) != path || strings.Count(path, "/") < 2 {
		return errors.New("the path must be absolute, clean and below a parent directory")
	}
	parent, err := os.Stat(filepath.Dir(path))
	if err != nil || !parent.IsDir() {
		return fmt.Errorf("the parent directory is not mounted: %v", err)
	}
	switch action {
	case "create":
		if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return os.Chmod(path, 0o777) // after Mkdir: the umask does not apply to chmod
	case "delete":
		return os.RemoveAll(path)
	default:
		return fmt.Errorf("unknown action %q (create or delete)", action)
	}
}
