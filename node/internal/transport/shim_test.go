package transport

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// stubHost is the agent above the links in these tests; it takes what
// they hand up and does nothing with it.
type stubHost struct{}

func (stubHost) Receive(*frame.Frame, *Link, *Segment)              {}
func (stubHost) DropQueued(*frame.Frame, int, *Link, string, error) {}
func (stubHost) Connected(*Link, string)                            {}
func (stubHost) LinkChanged(bool)                                   {}
func (stubHost) Refused()                                           {}
func (stubHost) Malformed()                                         {}
func (stubHost) Revoked(string)                                     {}

// newTestNet makes the links of cfg over a stubHost, as the agent does.
func newTestNet(cfg *agent.Config) (*Net, error) {
	return New(cfg, DefaultOptions().Filled(), slog.New(slog.DiscardHandler), stubHost{}, nil)
}
