package orchestrator_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/topo-dev/topo/engine"
)

// fakeRuntime is an in-memory engine for unit tests of the orchestrator's
// own logic: planning around used subnets, rollback, state read back from
// labels. Hooks let a test make one call fail.
type fakeRuntime struct {
	readyDelay time.Duration                    // how long an agent takes to say it is ready
	downLinks  []string                         // neighbours every agent's stats say are down
	actions    []string                         // "action container", in order
	helpers    []engine.ContainerSpec           // helpers run, in order
	failHelper func(engine.ContainerSpec) error // when set, asked before each helper; an error exits it with 1
	reconfigs  map[string][]string              // by node, the configs reconfig handed its agent
	sends      int                              // agent send verbs run
	sendCmds   [][]string                       // their command lines
	sendOut    string                           // when set, what every send verb prints
	traceCmds  [][]string                       // the trace verbs run
	traceOut   string                           // what each prints; by default, nothing reached
	streams    []engine.ContainerSpec           // streaming helpers run (captures), in order
	streamOut  string                           // what each writes to stdout
	streamErr  string                           // and to stderr
	streamExit int                              // and its exit code
	// steps logs the helpers run and the agents told of faults or to turn
	// their traffic on or off, in order: "filter NODE ARGS", "faults NODE
	// JSON" and "traffic NODE on|off".
	steps      []string
	mu         sync.Mutex
	nextID     int
	containers map[string]*engine.ContainerInfo // by ID
	networks   map[string]*engine.NetworkInfo   // by ID
	images     map[string]bool

	// failCreate, when set, is asked before each container create.
	failCreate func(spec engine.ContainerSpec) error
	// failNetwork, when set, is asked before each network create.
	failNetwork func(spec engine.NetworkSpec) error
	// faultsExits are the exit codes the agents' faults commands give, in
	// turn, before they succeed.
	faultsExits []int
	// failRemove, when set, is asked before each container removal.
	failRemove func(id string) error
	// ready is the exit code of `topo-node ready`; an agent logs its
	// ready event only when it is 0 (and noReadyEvent is false).
	ready        int
	noReadyEvent bool
	readyExecs   int // `topo-node ready` run
	readyFollows int // agents' logs followed for the ready event
	statsExecs   int // `topo-node stats` run
	// logs holds each container's log, by ID, as the engine returns it
	// with timestamps.
	logs map[string]string
	// specs records every container spec created, by name.
	specs map[string]engine.ContainerSpec
}

func newFake() *fakeRuntime {
	return &fakeRuntime{
		containers: map[string]*engine.ContainerInfo{},
		networks:   map[string]*engine.NetworkInfo{},
		images:     map[string]bool{"topo-node:fake": true, "mine:1": true},
		specs:      map[string]engine.ContainerSpec{},
		logs:       map[string]string{},
	}
}

var _ engine.Runtime = (*fakeRuntime)(nil)

func (f *fakeRuntime) id() string { f.nextID++; return fmt.Sprintf("id%04d", f.nextID) }

func matches(have, want map[string]string) bool {
	for k, v := range want {
		got, ok := have[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

func (f *fakeRuntime) Ping(context.Context) error { return nil }

func (f *fakeRuntime) ImageExists(_ context.Context, ref string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[ref], nil
}

func (f *fakeRuntime) BuildImage(context.Context, io.Reader, []string, map[string]string) error {
	return nil
}
func (f *fakeRuntime) RemoveImage(context.Context, string) error { return nil }
func (f *fakeRuntime) ListImages(context.Context, map[string]string) ([]engine.ImageInfo, error) {
	return nil, nil
}

func (f *fakeRuntime) CreateNetwork(_ context.Context, spec engine.NetworkSpec) (string, error) {
	if f.failNetwork != nil {
		if err := f.failNetwork(spec); err != nil {
			return "", err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.networks {
		if n.Name == spec.Name {
			return "", fmt.Errorf("network %s: %w", spec.Name, engine.ErrConflict)
		}
		for _, s := range n.Subnets {
			if s.Overlaps(spec.Subnet) {
				return "", fmt.Errorf("network %s: %w", spec.Name, engine.ErrOverlap)
			}
		}
	}
	id := f.id()
	f.networks[id] = &engine.NetworkInfo{ID: id, Name: spec.Name, Subnets: []netip.Prefix{spec.Subnet}, Labels: maps.Clone(spec.Labels)}
	return id, nil
}

func (f *fakeRuntime) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.networks[id]; !ok {
		return engine.ErrNotFound
	}
	for _, c := range f.containers {
		if _, ok := c.Networks[f.networks[id].Name]; ok {
			return fmt.Errorf("network in use: %w", engine.ErrConflict)
		}
	}
	delete(f.networks, id)
	return nil
}

func (f *fakeRuntime) ListNetworks(_ context.Context, labels map[string]string) ([]engine.NetworkInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.NetworkInfo
	for _, n := range f.networks {
		if matches(n.Labels, labels) {
			out = append(out, *n)
		}
	}
	return out, nil
}

func (f *fakeRuntime) CreateContainer(_ context.Context, spec engine.ContainerSpec) (string, error) {
	if f.failCreate != nil {
		if err := f.failCreate(spec); err != nil {
			return "", err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.images[spec.Image] {
		return "", fmt.Errorf("image %s: %w", spec.Image, engine.ErrNotFound)
	}
	for _, c := range f.containers {
		if spec.Name != "" && c.Name == spec.Name { // an engine names an unnamed one itself
			return "", fmt.Errorf("container %s: %w", spec.Name, engine.ErrConflict)
		}
	}
	for _, a := range spec.Network {
		if !f.hasNetwork(a.Network) {
			return "", fmt.Errorf("container %s: network %s: %w", spec.Name, a.Network, engine.ErrNotFound)
		}
	}
	f.specs[spec.Name] = spec
	id := f.id()
	c := &engine.ContainerInfo{ID: id, Name: spec.Name, Image: spec.Image, State: "created", Labels: maps.Clone(spec.Labels), Networks: map[string]netip.Addr{},
		Env: slices.Clone(spec.Env), Cmd: slices.Clone(spec.Cmd), ExtraHosts: slices.Clone(spec.ExtraHosts)}
	c.MACs = map[string]string{}
	for _, a := range spec.Network {
		if !a.IP.IsValid() { // an engine that picks addresses (a swarm)
			a.IP = f.pickAddr(a.Network)
		}
		c.Networks[a.Network] = a.IP
		b := a.IP.As4()
		c.MACs[a.Network] = fmt.Sprintf("02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
	}
	f.containers[id] = c
	return id, nil
}

// hasNetwork reports whether a network of that name exists; f.mu is held.
func (f *fakeRuntime) hasNetwork(name string) bool {
	for _, n := range f.networks {
		if n.Name == name {
			return true
		}
	}
	return false
}

func (f *fakeRuntime) StartContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return engine.ErrNotFound
	}
	c.State = "running"
	return nil
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, id string) error {
	if f.failRemove != nil {
		if err := f.failRemove(id); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for key, c := range f.containers {
		if c.Name == id { // the engine takes a name for an ID
			id = key
		}
	}
	if _, ok := f.containers[id]; !ok {
		return engine.ErrNotFound
	}
	delete(f.containers, id)
	return nil
}

func (f *fakeRuntime) ListContainers(_ context.Context, labels map[string]string) ([]engine.ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.ContainerInfo
	for _, c := range f.containers {
		if matches(c.Labels, labels) {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (f *fakeRuntime) ContainerByName(_ context.Context, name string) (engine.ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Name == name {
			return *c, nil
		}
	}
	return engine.ContainerInfo{}, engine.ErrNotFound
}

func (f *fakeRuntime) ControlContainer(_ context.Context, id string, action engine.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return engine.ErrNotFound
	}
	f.actions = append(f.actions, string(action)+" "+c.Name)
	switch action {
	case engine.ActionStop, engine.ActionKill:
		c.State = "exited"
	case engine.ActionStart, engine.ActionRestart, engine.ActionUnpause:
		c.State = "running"
	case engine.ActionPause:
		c.State = "paused"
	}
	return nil
}

func (f *fakeRuntime) RunToCompletion(_ context.Context, spec engine.ContainerSpec, _, stderr io.Writer) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.helpers = append(f.helpers, spec)
	if spec.HostsOf != "" { // "hosts NODE NAME:ADDRESS ..."
		entries := spec.Cmd[slices.Index(spec.Cmd, "--")+1:]
		f.steps = append(f.steps, strings.Join(append([]string{"hosts", spec.Labels[engine.LabelNode]}, entries...), " "))
	} else {
		f.steps = append(f.steps, strings.Join(append([]string{spec.Cmd[1], spec.Labels[engine.LabelNode]}, spec.Cmd[2:]...), " "))
	}
	if f.failHelper != nil {
		if err := f.failHelper(spec); err != nil {
			fmt.Fprintln(stderr, err)
			return 1, nil
		}
	}
	return 0, nil
}

func (f *fakeRuntime) RunStream(_ context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	f.mu.Lock()
	f.streams = append(f.streams, spec)
	out, errOut, code := f.streamOut, f.streamErr, f.streamExit
	f.mu.Unlock()
	io.WriteString(stdout, out)
	io.WriteString(stderr, errOut)
	return code, nil
}

func (f *fakeRuntime) Exec(_ context.Context, id string, cmd []string, stdout, _ io.Writer, _ ...engine.ExecInput) (int, error) {
	f.mu.Lock()
	c, ok := f.containers[id]
	if !ok {
		for _, x := range f.containers {
			if x.Name == id {
				c, ok = x, true
			}
		}
	}
	f.mu.Unlock()
	if !ok {
		return -1, engine.ErrNotFound
	}
	switch strings.Join(cmd[1:2], "") {
	case "ready":
		f.mu.Lock()
		f.readyExecs++
		f.mu.Unlock()
		time.Sleep(f.readyDelay)
		return f.ready, nil
	case "stats":
		f.mu.Lock()
		f.statsExecs++
		f.mu.Unlock()
		nbs := `{"name":"x","state":"up"}`
		for _, d := range f.downLinks {
			nbs += fmt.Sprintf(`,{"name":%q,"state":"down"}`, d)
		}
		fmt.Fprintf(stdout, `{"name":%q,"ready":true,"counters":{"originated":1,"delivered":2},"neighbors":[%s]}`, c.Labels[engine.LabelNode], nbs)
		return 0, nil
	case "faults":
		f.mu.Lock()
		f.steps = append(f.steps, "faults "+c.Labels[engine.LabelNode]+" "+cmd[2])
		if len(f.faultsExits) > 0 {
			code := f.faultsExits[0]
			f.faultsExits = f.faultsExits[1:]
			f.mu.Unlock()
			return code, nil
		}
		f.mu.Unlock()
		fmt.Fprintf(stdout, `{"name":%q}`, c.Labels[engine.LabelNode])
		return 0, nil
	case "trace":
		f.mu.Lock()
		f.traceCmds = append(f.traceCmds, cmd)
		out := f.traceOut
		f.mu.Unlock()
		if out == "" {
			out = `{"to":"` + cmd[len(cmd)-1] + `","hops":[],"reached":false}`
		}
		fmt.Fprint(stdout, out)
		return 1, nil
	case "reconfig":
		f.mu.Lock()
		f.steps = append(f.steps, "reconfig "+c.Labels[engine.LabelNode])
		if f.reconfigs == nil {
			f.reconfigs = map[string][]string{}
		}
		f.reconfigs[c.Labels[engine.LabelNode]] = append(f.reconfigs[c.Labels[engine.LabelNode]], cmd[len(cmd)-1])
		f.mu.Unlock()
		fmt.Fprint(stdout, `{"routes":1}`)
		return 0, nil
	case "traffic":
		f.mu.Lock()
		f.steps = append(f.steps, "traffic "+c.Labels[engine.LabelNode]+" "+cmd[2])
		f.mu.Unlock()
		return 0, nil
	case "send":
		f.mu.Lock()
		f.sends++
		f.sendCmds = append(f.sendCmds, cmd)
		f.mu.Unlock()
		to := cmd[len(cmd)-2]
		if f.sendOut != "" {
			fmt.Fprint(stdout, f.sendOut)
			return 0, nil
		}
		fmt.Fprintf(stdout, `{"id":"1","from":%q,"to":%q,"delivered":true,"path":[%q,%q],"rtt_ms":1}`, c.Labels[engine.LabelNode], to, c.Labels[engine.LabelNode], to)
		return 0, nil
	}
	return 127, nil
}

func (f *fakeRuntime) Logs(ctx context.Context, id string, opts engine.LogOptions) (io.ReadCloser, error) {
	f.mu.Lock()
	text := f.logs[id]
	c := f.containers[id]
	for _, x := range f.containers {
		if c == nil && x.Name == id {
			c = x
		}
	}
	agentRuns := c != nil && c.Labels[engine.LabelAgent] == "true"
	readyEvent := agentRuns && f.ready == 0 && !f.noReadyEvent && !opts.Timestamps && logsInfo(c.Env) // up's wait
	if agentRuns && opts.Follow && !opts.Timestamps {
		f.readyFollows++
	}
	f.mu.Unlock()
	if !opts.Follow {
		return io.NopCloser(strings.NewReader(text)), nil
	}
	if agentRuns && f.ready != 0 && !opts.Timestamps {
		// An agent that never gets ready: its log ends at once, as if
		// unreadable, and up asks the agent.
		return io.NopCloser(strings.NewReader(text)), nil
	}
	// Following: the lines so far, then an agent's ready event after
	// readyDelay, then nothing until ctx ends.
	r, w := io.Pipe()
	go func() {
		_, _ = io.WriteString(w, text)
		if readyEvent {
			select {
			case <-time.After(f.readyDelay):
				_, _ = io.WriteString(w, `{"level":"INFO","msg":"ready","event":"ready"}`+"\n")
			case <-ctx.Done():
			}
		}
		<-ctx.Done()
		w.CloseWithError(ctx.Err())
	}()
	return r, nil
}

// counts says how many containers and networks the fake holds.
func (f *fakeRuntime) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.containers), len(f.networks)
}

// pickAddr is the next address of a network, for an attachment that
// names none; call it with f.mu held.
func (f *fakeRuntime) pickAddr(network string) netip.Addr {
	for _, n := range f.networks {
		if n.Name != network || len(n.Subnets) == 0 {
			continue
		}
		a := n.Subnets[0].Addr().Next() // the gateway's
		for _, c := range f.containers {
			if _, on := c.Networks[network]; on {
				a = a.Next()
			}
		}
		return a.Next()
	}
	return netip.AddrFrom4([4]byte{192, 0, 2, 1})
}
