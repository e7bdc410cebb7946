// Package archtest holds the test that keeps gardenfleet's dependencies
// pointing one way: cli -> reconciler -> {fleet, render, planner, clusters}.
package archtest
