package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

//go:embed assets
var assets embed.FS

// Page sizes of the shoots endpoint.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Options configures a Server.
type Options struct {
	// Fleets reads Fleet objects: the manager's cached client, the one the
	// reconciler's watch fills.
	Fleets client.Reader
	// Topologies reads the labs' clabernetes Topologies. The API reader
	// does: labs are few and read only when their view is open, which is
	// not worth a cache of every Topology.
	Topologies client.Reader
	// Namespace limits the dashboard to the Fleets of one namespace; all
	// when empty.
	Namespace string
	// Shoots serves every shoot's state of a Fleet; nil, or a Fleet it
	// does not know, leaves the shoots the status lists.
	Shoots ShootSource
	// Now is the clock bake times are counted on; time.Now when nil.
	Now func() time.Time
}

// ShootSource is every shoot's state of a Fleet as the reconciler's last
// pass recorded it, the lines the Fleet's status lists a capped part of
// (reconciler.FleetReconciler implements it). It answers false for a Fleet
// it has not reconciled: a standby replica, another shard, or no pass since
// the process started.
type ShootSource interface {
	Shoots(key types.NamespacedName) ([]v1alpha1.ShootStatus, bool)
}

// Server serves the dashboard's pages and JSON endpoints.
type Server struct {
	opts Options
	mux  *http.ServeMux
}

// NewServer returns the dashboard's handler.
func NewServer(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	static, _ := fs.Sub(assets, "assets") // a constant directory
	s.mux.Handle("GET /", http.FileServerFS(static))
	s.mux.HandleFunc("GET /api/fleets", s.fleets)
	s.mux.HandleFunc("GET /api/fleets/{namespace}/{name}", s.fleet)
	s.mux.HandleFunc("GET /api/fleets/{namespace}/{name}/shoots", s.shoots)
	s.mux.HandleFunc("GET /api/fleets/{namespace}/{name}/labs", s.labs)
	return s
}

// ServeHTTP serves a request; the dashboard only reads.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything is served from the binary: nothing else may load.
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// FleetDetail is a Fleet's page: its summary and the projects its listed
// shoots are in, for the filter.
type FleetDetail struct {
	Fleet
	Projects []string `json:"projects"`
}

func (s *Server) fleets(w http.ResponseWriter, r *http.Request) {
	list := &v1alpha1.FleetList{}
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if s.opts.Namespace != "" {
		opts = append(opts, client.InNamespace(s.opts.Namespace))
	}
	if err := s.opts.Fleets.List(r.Context(), list, opts...); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("list fleets: %w", err))
		return
	}
	out := make([]Fleet, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, summarize(&list.Items[i], s.opts.Now()))
	}
	slices.SortFunc(out, func(a, b Fleet) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	writeJSON(w, out)
}

func (s *Server) fleet(w http.ResponseWriter, r *http.Request) {
	f, ok := s.get(w, r)
	if !ok {
		return
	}
	d := FleetDetail{Fleet: summarize(f, s.opts.Now()), Projects: []string{}}
	shoots, _ := s.shootsOf(f)
	seen := map[string]bool{}
	for i := range shoots {
		if p := project(shoots[i].Namespace); !seen[p] {
			seen[p] = true
			d.Projects = append(d.Projects, p)
		}
	}
	slices.Sort(d.Projects)
	writeJSON(w, d)
}

func (s *Server) shoots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := Filter{Phase: q.Get("phase"), Project: q.Get("project"), Text: q.Get("q"), Wave: q.Get("wave"), ByWave: q.Has("wave")}
	if filter.Phase != "" && !slices.Contains(Phases, v1alpha1.ShootPhase(filter.Phase)) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("phase %q: want one of %s", filter.Phase, phaseList()))
		return
	}
	page, err := intParam(q.Get("page"), "page", 1, 1, 1<<30)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	size, err := intParam(q.Get("size"), "size", DefaultPageSize, 1, MaxPageSize)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	f, ok := s.get(w, r)
	if !ok {
		return
	}
	shoots, all := s.shootsOf(f)
	writeJSON(w, shootPage(f, shoots, all, filter, page, size))
}

// shootsOf returns every shoot's state of f from the reconciler's view, or
// the shoots its status lists when the view has none; all tells which.
func (s *Server) shootsOf(f *v1alpha1.Fleet) ([]v1alpha1.ShootStatus, bool) {
	if s.opts.Shoots != nil {
		if shoots, ok := s.opts.Shoots.Shoots(types.NamespacedName{Namespace: f.Namespace, Name: f.Name}); ok {
			return shoots, true
		}
	}
	return f.Status.Shoots, false
}

func (s *Server) labs(w http.ResponseWriter, r *http.Request) {
	f, ok := s.get(w, r)
	if !ok {
		return
	}
	out := []Lab{}
	for _, key := range labRefs(f) {
		out = append(out, readLab(r.Context(), s.opts.Topologies, key))
	}
	writeJSON(w, out)
}

// get reads the Fleet the path names, answering the request when it cannot.
func (s *Server) get(w http.ResponseWriter, r *http.Request) (*v1alpha1.Fleet, bool) {
	key := types.NamespacedName{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	if s.opts.Namespace != "" && key.Namespace != s.opts.Namespace {
		writeError(w, http.StatusNotFound, fmt.Errorf("fleet %s not found", key))
		return nil, false
	}
	f := &v1alpha1.Fleet{}
	// Read only, never changed: the cached object itself is enough.
	if err := s.opts.Fleets.Get(r.Context(), key, f, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			writeError(w, http.StatusNotFound, fmt.Errorf("fleet %s not found", key))
		} else {
			writeError(w, http.StatusInternalServerError, fmt.Errorf("get fleet %s: %w", key, err))
		}
		return nil, false
	}
	return f, true
}

func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %q: want a number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

func phaseList() string {
	s := make([]string, len(Phases))
	for i, p := range Phases {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	// An error here is the client going away; there is no one left to tell.
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// Runnable serves a Server at an address as long as the manager runs, on
// every replica: a standby's cache holds the same Fleets.
type Runnable struct {
	Addr    string
	Handler http.Handler
	// Started, when set, is told the address listened on (":0" picks one).
	Started func(addr string)
}

// NeedLeaderElection reports that every replica serves the dashboard.
func (r *Runnable) NeedLeaderElection() bool { return false }

// Start listens until ctx ends.
func (r *Runnable) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("dashboard: listen on %s: %w", r.Addr, err)
	}
	if r.Started != nil {
		r.Started(ln.Addr().String())
	}
	srv := &http.Server{Handler: r.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("dashboard: serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("dashboard: shut down: %w", err)
		}
		return nil
	}
}
