package orchestrator

// ReadyEvery lets tests report a wait for readiness sooner.
var ReadyEvery = &readyEvery
