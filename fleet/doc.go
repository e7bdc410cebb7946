// Package fleet loads a fleet repo of CUE files into a typed, validated Go
// model. It owns the fleet language's semantics: inheritance of settings,
// the Gardener, metal-stack and containerlab rules, and hibernation windows.
// Every error carries the file:line:col of the value that broke the rule.
//
// It renders nothing and never talks to a cluster; no cue.Value leaves it.
package fleet
