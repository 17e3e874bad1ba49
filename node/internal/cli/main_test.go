package cli_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/topo-dev/topo/node/internal/cli"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}
