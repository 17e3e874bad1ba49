package orchestrator

// ReadyEvery lets tests report a wait for readiness sooner.
var ReadyEvery = &readyEvery

// FollowHostsEvery lets tests see a lost host in a follow sooner.
var FollowHostsEvery = &followHostsEvery

// FollowRejoinEvery lets tests see a node streamed again sooner.
var FollowRejoinEvery = &followRejoinEvery
