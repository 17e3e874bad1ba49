package orchestrator

// SecretFromNetworks lets tests recover a topology's secret as up does.
var SecretFromNetworks = secretFromNetworks
