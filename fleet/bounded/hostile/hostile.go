// Package hostile holds fleets that each pass one evaluation limit of
// package bounded, for the tests of every command and of the daemon.
package hostile

import "strconv"

const (
	// Valid is a valid fleet of one workerless shoot, the good case beside
	// the hostile ones.
	Valid = `package fleet

projects: a: {}
shoots: cp: {
	project:      "a"
	cloudProfile: "local"
	region:       "local"
	provider: type: "local"
	kubernetes: version: "1.36.2"
}
`
	// ValidCloudProfile is the CloudProfile Valid's shoot names, for
	// cloudprofiles/: with it Gardener's checks run in full.
	ValidCloudProfile = `apiVersion: core.gardener.cloud/v1beta1
kind: CloudProfile
metadata:
  name: local
spec:
  type: local
  kubernetes:
    versions:
    - version: 1.36.2
  regions:
  - name: local
`
	// Slow evaluates for hours (10^10 steps of a comprehension) in little
	// memory.
	Slow = `package fleet

import "list"

_n: 100000
_x: len([for i in list.Range(0, _n, 1) for j in list.Range(0, _n, 1) if i*j < 0 {i}])
defaults: region: "r\(_x)"
`
	// Terabyte asks for a terabyte in one allocation: the kernel refuses
	// it and the Go runtime dies with "fatal error: out of memory".
	Terabyte = `package fleet

import "strings"

_s: strings.Repeat(strings.Repeat("x", 1000000), 1000000)
defaults: region: "r\(len(_s))"
`
	// Gigabyte asks for a gigabyte in one allocation, which the machine
	// grants: the watchdog stops it.
	Gigabyte = `package fleet

import "strings"

_s: strings.Repeat(strings.Repeat("x", 1000000), 1000)
defaults: region: "r\(len(_s))"
`
)

// Wide renders n shoots of project a with an annotation of size bytes each:
// Wide(70, 1000000) is 70 MB of objects from a 400-byte file.
func Wide(n, size int) string {
	return `package fleet

import (
	"list"
	"strings"
)

_big: strings.Repeat("x", ` + strconv.Itoa(size) + `)
projects: a: {}
shoots: {for i in list.Range(0, ` + strconv.Itoa(n) + `, 1) {"s\(i)": {
	project:      "a"
	cloudProfile: "local"
	region:       "local"
	provider: type: "local"
	kubernetes: version: "1.36.2"
	annotations: big: _big
}}}
`
}
