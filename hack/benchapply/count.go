package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// requestCounter counts the API requests made through a rest.Config it
// wraps (rest.Config.Wrap), by verb and resource.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

// wrap is a transport wrapper for rest.Config.Wrap.
func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		k := describe(r)
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		c.counts[k]++
		c.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

// take returns the counts since the last take and starts over.
func (c *requestCounter) take() requestCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := requestCounts(c.counts)
	c.counts = nil
	return out
}

// requestCounts maps "verb resource" to a number of requests.
type requestCounts map[string]int

// total is the number of requests.
func (rc requestCounts) total() int {
	n := 0
	for _, v := range rc {
		n += v
	}
	return n
}

// String renders the counts sorted by key, e.g. "3 apply shoots, 1 list shoots".
func (rc requestCounts) String() string {
	if len(rc) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(rc))
	for k := range rc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", rc[k], k)
	}
	return strings.Join(parts, ", ")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// describe names a request by verb and resource: "get shoots", "apply
// projects", "apply shoots (dry run)", "list shoots", "discovery", "openapi".
func describe(r *http.Request) string {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case segs[0] == "api" && len(segs) >= 2:
		rest = segs[2:]
	case segs[0] == "apis" && len(segs) >= 3:
		rest = segs[3:]
	case segs[0] == "api" || segs[0] == "apis":
		return "discovery"
	case segs[0] == "openapi":
		return "openapi"
	default:
		return strings.ToLower(r.Method) + " /" + segs[0]
	}
	if len(rest) == 0 {
		return "discovery"
	}
	if rest[0] == "namespaces" && len(rest) >= 3 {
		rest = rest[2:]
	}
	resource, named := rest[0], len(rest) >= 2
	if r.URL.Query().Has("dryRun") {
		resource += " (dry run)"
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Get("watch") == "true":
		return "watch " + resource
	case r.Method == http.MethodGet && named:
		return "get " + resource
	case r.Method == http.MethodGet:
		return "list " + resource
	case r.Method == http.MethodPatch && strings.HasPrefix(r.Header.Get("Content-Type"), "application/apply-patch"):
		return "apply " + resource
	case r.Method == http.MethodPatch:
		return "patch " + resource
	case r.Method == http.MethodPost:
		return "create " + resource
	case r.Method == http.MethodPut:
		return "update " + resource
	case r.Method == http.MethodDelete:
		return "delete " + resource
	}
	return strings.ToLower(r.Method) + " " + resource
}
