package orchestrator_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// configOf is the node config in a container spec's environment, and
// that environment as one string.
func configOf(t *testing.T, c engine.ContainerSpec) (*agent.Config, string) {
	t.Helper()
	for _, kv := range c.Env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			cfg, err := agent.ParseConfig([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			return cfg, strings.Join(c.Env, "\n")
		}
	}
	t.Fatalf("%s: no %s", c.Name, agent.ConfigEnv)
	return nil, ""
}

// Every up makes a secret of its own and keeps it in a label on every
// network, where secretFromNetworks finds it again. No node's config
// carries it: each agent gets a key per segment, derived from it, the
// same at both ends of a segment and different on each segment.
func TestUpHandsOutSegmentKeys(t *testing.T) {
	var secrets []string
	for range 2 {
		f := newFake()
		if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		var nets []engine.NetworkInfo
		for _, n := range f.networks {
			nets = append(nets, *n)
		}
		secret, ok := orchestrator.SecretFromNetworks(nets)
		if !ok {
			t.Fatalf("no secret in the networks' labels: %+v", nets)
		}
		for _, n := range nets {
			if n.Labels[engine.LabelSecret] != secret {
				t.Errorf("network %s: secret label differs from the others'", n.Name)
			}
		}
		raw, _ := hex.DecodeString(secret)
		keys := map[string]string{} // by segment
		for _, name := range []string{"star-hub", "star-spoke1", "star-spoke3"} {
			cfg, env := configOf(t, f.specs[name])
			if cfg.Secret != "" || strings.Contains(env, secret) {
				t.Errorf("%s: the topology's secret is in its environment", name)
			}
			for _, s := range cfg.Segments {
				if want := agent.SegmentKey(raw, s.Name); s.Key != want {
					t.Errorf("%s: segment %s: key is not the segment's key", name, s.Name)
				}
				keys[s.Name] = s.Key
			}
		}
		seen := map[string]bool{}
		for seg, k := range keys {
			if seen[k] {
				t.Errorf("segment %s shares its key with another segment", seg)
			}
			seen[k] = true
		}
		if len(keys) < 3 {
			t.Errorf("keys of %d segments, want the hub's three at least", len(keys))
		}
		secrets = append(secrets, secret)
	}
	if secrets[0] == secrets[1] {
		t.Error("two ups share a secret")
	}
}

// A node that runs a user's own image gets neither the secret nor any
// key, of its own segments or others', while the agents beside it get
// theirs; specs without a secret (a compose export) carry no key and no
// secret label.
func TestUserImageGetsNoKey(t *testing.T) {
	top, err := topology.Load("../topology/testdata/valid-own-image-privileges.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("5e", 32)
	raw, _ := hex.DecodeString(secret)
	nets, cons, err := orchestrator.Specs(p, orchestrator.SpecOptions{Image: "topo-node:x", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	var allKeys []string
	for _, s := range p.Segments {
		allKeys = append(allKeys, agent.SegmentKey(raw, s.Name))
	}
	for _, c := range cons {
		cfg, env := configOf(t, c)
		user := c.Image != "topo-node:x"
		for _, s := range cfg.Segments {
			if user && s.Key != "" || !user && s.Key != agent.SegmentKey(raw, s.Name) {
				t.Errorf("%s (own image %v): segment %s has key %v", c.Name, user, s.Name, s.Key != "")
			}
		}
		if cfg.Secret != "" || strings.Contains(env, secret) {
			t.Errorf("%s: the topology's secret is in its environment", c.Name)
		}
		for _, k := range allKeys {
			if user && strings.Contains(env, k) {
				t.Errorf("%s runs a user's image and has a segment key in its environment", c.Name)
			}
		}
	}
	for _, n := range nets {
		if n.Labels[engine.LabelSecret] != secret {
			t.Errorf("network %s: no secret label", n.Name)
		}
	}

	nets, cons, err = orchestrator.Specs(p, orchestrator.SpecOptions{Image: "topo-node:x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cons {
		if _, env := configOf(t, c); strings.Contains(env, `"key"`) || strings.Contains(env, `"secret"`) {
			t.Errorf("%s: specs without a secret carry a key or a secret: %s", c.Name, env)
		}
	}
	for _, n := range nets {
		if _, ok := n.Labels[engine.LabelSecret]; ok {
			t.Errorf("network %s: specs without a secret label one", n.Name)
		}
	}
}

// secretFromNetworks takes the first valid secret by network name, and
// reports none when no network carries one.
func TestSecretFromNetworks(t *testing.T) {
	valid := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name string
		nets []engine.NetworkInfo
		want string
	}{
		{"none", nil, ""},
		{"unlabelled", []engine.NetworkInfo{{Name: "t-a"}}, ""},
		{"not hex", []engine.NetworkInfo{{Name: "t-a", Labels: map[string]string{engine.LabelSecret: strings.Repeat("zz", 32)}}}, ""},
		{"short", []engine.NetworkInfo{{Name: "t-a", Labels: map[string]string{engine.LabelSecret: "abcd"}}}, ""},
		{"first valid by name", []engine.NetworkInfo{
			{Name: "t-b", Labels: map[string]string{engine.LabelSecret: strings.Repeat("cd", 32)}},
			{Name: "t-a", Labels: map[string]string{engine.LabelSecret: "bad"}},
			{Name: "t-a2", Labels: map[string]string{engine.LabelSecret: valid}},
		}, valid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := orchestrator.SecretFromNetworks(tc.nets)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("got %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}
