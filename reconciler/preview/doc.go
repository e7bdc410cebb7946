// Package preview computes what a fleet change would do before anything is
// applied: the objects added, removed and changed (field by field), each
// shoot's Kubernetes version steps from the planner, the waves those shoots
// roll out in, and the rules the change breaks. It also writes that report
// as text for a terminal, Markdown for a pull request comment, and JSON.
//
// It is pure: it compares objects it is handed (rendered from a base Git
// revision, or read from a cluster by the caller) with the newly rendered
// ones, and reads no files, no Git and no cluster. It must not import
// clusters, client-go or controller-runtime; reading Git and the cluster
// lives in preview/base.
package preview
