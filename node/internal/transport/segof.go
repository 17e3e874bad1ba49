package transport

// segOf is the segment l is on: one of this package's, as every link's.
func segOf(l *Link) *Segment { return l.Seg().(*Segment) }
