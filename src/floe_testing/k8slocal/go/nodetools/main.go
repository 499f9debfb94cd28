// Command nodetools is the single static binary behind the two tiny images scripts/k8s-local
// builds without a registry: the pod sandbox ("pause") image and the DNS probe image.
//
//	nodetools pause          hold the pod's namespaces open; reap orphans; exit 0 on SIGTERM/SIGINT
//	nodetools lookup NAME    resolve NAME with the pod's resolv.conf; print the addresses; exit 1 if none
//	nodetools connect ADDR   open a TCP connection to HOST:PORT within 3 s; exit 0 if it opened
//
// It is written for this project (the upstream pause program is C; this one only needs Go's
// standard library, which the node build already has).
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "pause":
		pause()
	case "lookup":
		if len(os.Args) != 3 {
			usage()
		}
		os.Exit(lookup(os.Args[2]))
	case "connect":
		if len(os.Args) != 3 {
			usage()
		}
		os.Exit(connect(os.Args[2]))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: nodetools pause | nodetools lookup NAME | nodetools connect HOST:PORT")
	os.Exit(2)
}

// pause blocks until SIGTERM or SIGINT. As PID 1 of a sandbox it also reaps any child that a
// shared PID namespace hands it, so no zombie outlives its container.
func pause() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}

// lookup resolves name through the system resolver configuration (the pod's cluster DNS).
func lookup(name string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resolver := &net.Resolver{PreferGo: true}
	addrs, err := resolver.LookupHost(ctx, name)
	if err != nil || len(addrs) == 0 {
		fmt.Fprintf(os.Stderr, "lookup %s: %v\n", name, err)
		return 1
	}
	for _, addr := range addrs {
		fmt.Println(addr)
	}
	return 0
}

// connect reports whether a TCP connection to addr opens (the network checks' probe).
func connect(addr string) int {
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "connect %s: %v\n", addr, err)
		return 1
	}
	conn.Close()
	fmt.Printf("connected to %s\n", addr)
	return 0
}
