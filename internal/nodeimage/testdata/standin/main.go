// Command standin stands in for the topo agent in tests: it prints a line
// to stdout and one to stderr, then sleeps until SIGTERM or SIGINT.
// "standin echo ARGS..." prints ARGS and exits; "standin exit N" exits N.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "echo":
			fmt.Println(strings.Join(os.Args[2:], " "))
			fmt.Fprintln(os.Stderr, "echo done")
			return
		case "exit":
			n, _ := strconv.Atoi(os.Args[2])
			os.Exit(n)
		}
	}
	fmt.Println("standin: started as", os.Getuid())
	fmt.Fprintln(os.Stderr, "standin: waiting for SIGTERM")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	fmt.Println("standin: stopping")
}
