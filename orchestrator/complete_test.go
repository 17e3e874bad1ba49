package orchestrator_test

import (
	"context"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

// A second up of a running topology whose file chose its pool is the same
// no-op as one without: the topology's own subnets are not "in use" by
// someone else (issue 24.1).
func TestUpAgainWithAPool(t *testing.T) {
	for _, src := range []string{
		"name: p\nlayout: p2p\nnodes: 2\nnetwork: {pool: 10.233.0.0/16}\n",
		"name: p\nlayout: star\nnodes: 4\nnetwork: {pool: 10.233.0.0/24}\n",
		"name: p\nlayout: star\nnodes: 4\n",
	} {
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		top := loadText(t, src)
		if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := o.Up(ctx, top, orchestrator.UpOptions{})
		if err != nil || !res.AlreadyRunning {
			t.Errorf("%q: second up = %+v, %v; want the no-op", src, res, err)
		}
	}
}
