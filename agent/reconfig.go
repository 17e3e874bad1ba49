package agent

import "encoding/json"

// VerbReconfig hands a running agent a new Config: it makes the links to
// new neighbours (on new segments, or new members of a shared one),
// takes out those to neighbours the config no longer has, and takes the
// new routes. What a running agent cannot change (its name, layout, role,
// protocol, port, ring, traffic, a kept segment's address or key) is
// refused, with the reason, and nothing changes.
const VerbReconfig = "reconfig"

// Reconfigured is what a reconfiguration changed, as the verb prints it.
type Reconfigured struct {
	// Added and Removed are the neighbours linked and unlinked; Segments
	// and Gone the segments joined and left.
	Added    []string `json:"added,omitempty"`
	Removed  []string `json:"removed,omitempty"`
	Segments []string `json:"segments,omitempty"`
	Gone     []string `json:"gone,omitempty"`
	// Routes is how many routes the node has now.
	Routes int `json:"routes"`
}

// IsZero reports whether the reconfiguration changed no link or segment.
func (r Reconfigured) IsZero() bool {
	return len(r.Added) == 0 && len(r.Removed) == 0 && len(r.Segments) == 0 && len(r.Gone) == 0
}

// ReconfigCommand is the command line that hands the running agent cfg,
// as JSON in one argument, and prints what it changed (Reconfigured).
func ReconfigCommand(cfg *Config) ([]string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return []string{Path, VerbReconfig, string(b)}, nil
}
