package agent

// Receipt is the outcome of a message: what the agent's send verb prints,
// and what `topo send -o json` prints. Its JSON form is a documented
// contract: add fields, never rename them.
type Receipt struct {
	ID        string   `json:"id"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Delivered bool     `json:"delivered"`
	Path      []string `json:"path"`
	RTTMs     float64  `json:"rtt_ms"`
	OneWayMs  float64  `json:"one_way_ms,omitempty"`
	Reason    string   `json:"reason,omitempty"`     // why not delivered
	DroppedAt string   `json:"dropped_at,omitempty"` // the node that dropped it
	// Queued is true for a message sent without asking for a receipt, as
	// a broadcast always is.
	Queued bool `json:"queued,omitempty"`
	// Count is the messages of a burst (topo send --count) that left; the
	// receipt is the last one's. PerSecond is Arrived over the time from
	// the first one's leaving to the last one's arrival.
	Count     int     `json:"count,omitempty"`
	PerSecond float64 `json:"per_second,omitempty"`
	// Arrived is, for a burst whose last message was delivered, how many
	// of its Count messages the destination had by then (one sent again
	// after a lost ack may still come after it); Delivered speaks of the
	// last message alone.
	Arrived int `json:"arrived,omitempty"`
	// ReceiptLost is true for a message whose receipt did not come back in
	// time while a node's log says what became of it: delivered (the
	// destination logged it), or dropped (Reason and DroppedAt say where
	// and why). A receipt is lost, for example, to a link cut after the
	// message went by.
	ReceiptLost bool `json:"receipt_lost,omitempty"`
	// Unknown is true when no receipt came back in time and no node logged
	// the message's delivery or its drop: it may still arrive. Reason is
	// "timeout"; Delivered false does not mean it was not delivered.
	Unknown bool `json:"unknown,omitempty"`
	// WaitedMs is how long the receipt was waited for, when none came.
	WaitedMs int64 `json:"waited_ms,omitempty"`
}

// Sent reports whether the message got where it was going, as far as can
// be known: delivered, or a broadcast that was sent.
func (r *Receipt) Sent() bool { return r.Delivered || r.Queued && r.Reason == "" }
