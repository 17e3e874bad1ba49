package topo

import (
	"embed"
	"io/fs"
)

// agentSource is the node agent's source, compiled into every topo binary,
// so that an installed topo builds its node image without a checkout: the
// module's go.mod, the agent's contract (agent/) and the agent (node/).
//
//go:embed go.mod agent node
var agentSource embed.FS

// AgentSource returns the source the node image is built from: a module
// root with go.mod, agent/ and node/. The agent needs nothing beyond the
// standard library, so building it downloads nothing.
func AgentSource() fs.FS { return agentSource }
