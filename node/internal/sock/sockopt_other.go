//go:build !unix

package sock

import "syscall"

func AllowBroadcast(syscall.RawConn) error { return nil }

func ShareAddr(syscall.RawConn) error { return nil }
