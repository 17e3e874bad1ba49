package compose_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/topology"
)

// The parts of `docker inspect` that make a node or a segment what it is.
// Compose's own labels, network aliases and endpoint IDs are left out.
type containerView struct {
	Name string
	// Image is the agent's content hash (the image's topo.content label,
	// which the engine copies onto the container), not the image ID: test
	// processes that build the same agent at once make two images of it,
	// and its tag names the later one.
	Image      string
	Hostname   string
	User       string
	Env        []string
	Cmd        []string
	Entrypoint []string
	Labels     map[string]string
	Host       struct {
		NetworkMode    string
		ReadonlyRootfs bool
		Tmpfs          map[string]string
		CapAdd         []string
		CapDrop        []string
		SecurityOpt    []string
		Privileged     bool
		Memory         int64
		PidsLimit      *int64
		PortBindings   map[string]any
		Binds          []string
		RestartPolicy  struct{ Name string }
	}
	Addresses map[string]string // network -> IPv4 address asked for
}

type networkView struct {
	Name       string
	Driver     string
	IPAMDriver string
	Subnets    []string
	Gateways   []string
	Internal   bool
	EnableIPv6 bool
	Options    map[string]string
	Labels     map[string]string
}

// inspect reads every container and network of a plan back from the engine.
func inspect(t *testing.T, docker string, plan *topology.Plan) map[string]any {
	t.Helper()
	var cnames, nnames []string
	for _, n := range plan.Nodes {
		cnames = append(cnames, engine.ContainerName(plan.Name, n.Name))
	}
	for _, s := range plan.Segments {
		nnames = append(nnames, engine.NetworkName(plan.Name, s.Name))
	}
	views := map[string]any{}

	var cs []struct {
		Name   string
		Config struct {
			Hostname   string
			User       string
			Env        []string
			Cmd        []string
			Entrypoint []string
			Labels     map[string]string
		}
		HostConfig      json.RawMessage
		NetworkSettings struct {
			Networks map[string]struct {
				IPAMConfig *struct{ IPv4Address string }
			}
		}
	}
	dockerJSON(t, docker, &cs, append([]string{"container", "inspect"}, cnames...)...)
	for _, c := range cs {
		v := containerView{
			Name: strings.TrimPrefix(c.Name, "/"), Image: c.Config.Labels[nodeimage.LabelContent], Hostname: c.Config.Hostname, User: c.Config.User,
			Env: withoutSecret(t, slices.Sorted(slices.Values(c.Config.Env))), Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint,
			Labels: withoutCompose(c.Config.Labels), Addresses: map[string]string{},
		}
		if v.Image == "" {
			t.Errorf("container %s: no %s label from its image", v.Name, nodeimage.LabelContent)
		}
		if err := json.Unmarshal(c.HostConfig, &v.Host); err != nil {
			t.Fatal(err)
		}
		// Compose sends empty lists where topo sends none: the same.
		if len(v.Host.PortBindings) == 0 {
			v.Host.PortBindings = nil
		}
		if len(v.Host.Binds) == 0 {
			v.Host.Binds = nil
		}
		for net, ep := range c.NetworkSettings.Networks {
			if ep.IPAMConfig != nil {
				v.Addresses[net] = ep.IPAMConfig.IPv4Address
			}
		}
		views["container "+v.Name] = v
	}

	var ns []struct {
		Name       string
		Driver     string
		Internal   bool
		EnableIPv6 bool
		Options    map[string]string
		Labels     map[string]string
		IPAM       struct {
			Driver string
			Config []struct{ Subnet, Gateway string }
		}
	}
	dockerJSON(t, docker, &ns, append([]string{"network", "inspect"}, nnames...)...)
	for _, n := range ns {
		v := networkView{Name: n.Name, Driver: n.Driver, IPAMDriver: n.IPAM.Driver, Internal: n.Internal, EnableIPv6: n.EnableIPv6, Options: n.Options, Labels: withoutCompose(n.Labels)}
		for _, c := range n.IPAM.Config {
			v.Subnets = append(v.Subnets, c.Subnet)
			v.Gateways = append(v.Gateways, c.Gateway)
		}
		views["network "+v.Name] = v
	}
	if len(views) != len(cnames)+len(nnames) {
		t.Fatalf("inspect found %d resources, want %d", len(views), len(cnames)+len(nnames))
	}
	return views
}

func dockerJSON(t *testing.T, docker string, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, docker, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
}

// withoutCompose leaves out compose's own labels, and topo.run,
// topo.secret and topo.version, which belong to the one `topo up` that
// made a resource and so differ by design (an export carries no secret,
// and names no version, so that a committed export does not change with
// every commit of topo).
func withoutCompose(labels map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		if !strings.HasPrefix(k, "com.docker.compose.") && k != engine.LabelRun && k != engine.LabelSecret && k != engine.LabelVersion {
			out[k] = v
		}
	}
	return out
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// withoutSecret drops the secret and the segment keys from a node config
// in env: topo up makes a new secret each time, and an export (a file
// anyone reads) has neither.
func withoutSecret(t *testing.T, env []string) []string {
	t.Helper()
	out := slices.Clone(env)
	for i, kv := range out {
		v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"=")
		if !ok {
			continue
		}
		cfg, err := agent.ParseConfig([]byte(v))
		if err != nil {
			t.Fatalf("%s: %v", agent.ConfigEnv, err)
		}
		cfg.Secret = ""
		for i := range cfg.Segments {
			cfg.Segments[i].Key = "" // the agents' keys, derived from up's secret
		}
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = agent.ConfigEnv + "=" + string(b)
	}
	return out
}
