package orchestrator

// ReadyEvery lets tests report a wait for readiness sooner.
var ReadyEvery = &readyEvery

// FollowRejoinEvery lets tests see a node streamed again sooner.
var FollowRejoinEvery = &followRejoinEvery
