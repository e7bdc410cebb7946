// Package agreement holds gardenfleet's offline admission (package admission) to the real
// gardener-apiserver: admission's corpus (admission/testdata/corpus.yaml) is judged by both,
// offline and by a server-side dry run against hack/testenv's garden, and the verdicts and
// messages must be the same, but for the differences its test lists with their reasons.
//
// It holds only tests; nothing imports it.
package agreement
