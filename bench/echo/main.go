// Command echo is the bare floor of a hop in user space, for
// `go run ./bench -hops`: two containers on one bridge, one process each,
// on one thread as topo's agent runs, and nothing else done per message.
//
//	echo serve          # answer every TCP read on port 9000 with its bytes
//	echo ping HOST N    # N+1 round trips, 200 ms apart; prints each in ms
//
// The first round trip opens the connection and is left out, as the bench
// leaves out the first of the agents' and the kernel's.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"
)

const port = "9000"

func main() {
	runtime.GOMAXPROCS(1) // as the agent runs (node/procs.go)
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "serve":
		err = serve()
	case len(os.Args) == 4 && os.Args[1] == "ping":
		err = ping(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("usage: echo serve | echo ping HOST N")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func serve() error {
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			b := make([]byte, 512)
			for {
				n, err := c.Read(b)
				if err != nil {
					return
				}
				if _, err := c.Write(b[:n]); err != nil {
					return
				}
			}
		}()
	}
}

func ping(host, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil {
		return err
	}
	c, err := net.Dial("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	defer c.Close()
	msg, b := make([]byte, 64), make([]byte, 512)
	for i := range n + 1 {
		start := time.Now()
		if _, err := c.Write(msg); err != nil {
			return err
		}
		for got := 0; got < len(msg); {
			k, err := c.Read(b)
			if err != nil {
				return err
			}
			got += k
		}
		if i > 0 {
			fmt.Printf("%.3f\n", float64(time.Since(start).Microseconds())/1000)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
