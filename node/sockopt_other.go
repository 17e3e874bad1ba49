//go:build !unix

package node

import "syscall"

func allowBroadcast(syscall.RawConn) error { return nil }

func shareAddr(syscall.RawConn) error { return nil }
