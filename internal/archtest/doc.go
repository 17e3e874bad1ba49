// Package archtest holds no code, only a test: the rules of who may import
// whom (see the architecture section of the README) and the size budgets of
// files and functions, checked over every non-test Go file of the module so
// that a change that breaks them fails `go test ./...` instead of a review.
package archtest
