package metalwebhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gardener/gardener/pkg/apis/core"
	coreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gardenfleet/gardenfleet/gardener/metal"
	"github.com/gardenfleet/gardenfleet/hack/gardenerapiserver"
	"github.com/gardenfleet/gardenfleet/hack/landscape"
)

const (
	// ConfigName is the ValidatingWebhookConfiguration's name.
	ConfigName = "gardenfleet-metal-stack"
	// WebhookName is the webhook's name, as upstream registers it.
	WebhookName = "validator.metal.extensions.gardener.cloud"
	// Path is where the webhook is served, as upstream serves it.
	Path = "/webhooks/validate"
	// ProviderLabel selects the objects of provider metal; Gardener's ExtensionLabels
	// admission plugin sets it on Shoots.
	ProviderLabel = "provider.extensions.gardener.cloud/" + metal.Type
)

// fieldManager owns the ValidatingWebhookConfiguration, applied again on every start.
const fieldManager = "gardenfleet-metal-webhook"

// Options configures Start.
type Options struct {
	// Config reaches the garden's kube-apiserver as cluster admin: to register the
	// webhook and read CloudProfiles.
	Config *rest.Config
	// ProbeNamespace is a project namespace holding the landscape's CredentialsBinding
	// metal-credentials; Start returns once a metal Shoot there is refused by the webhook.
	ProbeNamespace string
}

// Server is a running webhook.
type Server struct {
	srv  *http.Server
	done chan error
	port int
}

// Start serves the webhook on a free loopback port, registers it with the garden and
// returns once gardener-apiserver calls it. On error nothing it started is left running;
// else the caller stops it.
func Start(ctx context.Context, opts Options) (_ *Server, retErr error) {
	scheme := apiruntime.NewScheme()
	coreinstall.Install(scheme)
	c, err := client.New(opts.Config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("metal webhook: create client: %w", err)
	}
	ca, err := gardenerapiserver.NewCert("metal-webhook-ca", nil, 0, nil, nil)
	if err != nil {
		return nil, err
	}
	serving, err := gardenerapiserver.NewCert("metal-webhook", ca, x509.ExtKeyUsageServerAuth, []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	keyPEM, err := serving.KeyPEM()
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(serving.CertPEM(), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("metal webhook: serving certificate: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("metal webhook: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, &admission.Webhook{Handler: &validator{
		client:  c,
		decoder: serializer.NewCodecFactory(scheme).UniversalDecoder(),
	}})
	s := &Server{
		srv: &http.Server{
			Handler:           mux,
			TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			ReadHeaderTimeout: 10 * time.Second,
		},
		done: make(chan error, 1),
		port: l.Addr().(*net.TCPAddr).Port,
	}
	go func() {
		err := s.srv.ServeTLS(l, "", "")
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, s.Stop(context.Background()))
		}
	}()
	reg, err := s.config(ca.CertPEM())
	if err != nil {
		return nil, err
	}
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(reg), client.FieldOwner(fieldManager), client.ForceOwnership); err != nil {
		return nil, fmt.Errorf("metal webhook: apply ValidatingWebhookConfiguration %s: %w", ConfigName, err)
	}
	if err := waitCalled(ctx, c, opts.ProbeNamespace); err != nil {
		return nil, err
	}
	return s, nil
}

// Port is the port the webhook serves on, at 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Stop shuts the server down. The registration stays: the next start replaces it.
func (s *Server) Stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, <-s.done)
}

// config is the registration, as upstream's BuildWebhookConfigs makes it for the
// validator (a webhook on internal types matches every version).
func (s *Server) config(caBundle []byte) (*unstructured.Unstructured, error) {
	fail, exact, none := admissionregistrationv1.Fail, admissionregistrationv1.Exact, admissionregistrationv1.SideEffectClassNone
	url := "https://127.0.0.1:" + strconv.Itoa(s.port) + Path
	timeout := int32(10)
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    WebhookName,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caBundle},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups: []string{"core.gardener.cloud"}, APIVersions: []string{"*"}, Resources: []string{"shoots"},
				},
			}},
			ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{ProviderLabel: "true"}},
			FailurePolicy:  &fail,
			MatchPolicy:    &exact,
			SideEffects:    &none,
			TimeoutSeconds: &timeout,
		}},
	}
	m, err := apiruntime.DefaultUnstructuredConverter.ToUnstructured(cfg)
	if err != nil {
		return nil, fmt.Errorf("metal webhook: convert ValidatingWebhookConfiguration: %w", err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// validator is upstream's Shoot validator behind controller-runtime's admission handler,
// as extensions/pkg/webhook's handler runs it: the objects decoded into Gardener's
// internal types, a refusal answered as Denied with the error's text.
type validator struct {
	client  client.Reader
	decoder apiruntime.Decoder
}

func (v *validator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Kind.Group != "core.gardener.cloud" || req.Kind.Kind != "Shoot" {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("unexpected request kind %s", req.Kind.String()))
	}
	shoot := &core.Shoot{}
	if _, _, err := v.decoder.Decode(req.Object.Raw, nil, shoot); err != nil {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("could not decode request: %w", err))
	}
	var old *core.Shoot
	if len(req.OldObject.Raw) != 0 {
		old = &core.Shoot{}
		if _, _, err := v.decoder.Decode(req.OldObject.Raw, nil, old); err != nil {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("could not decode old object: %w", err))
		}
	}
	if err := v.validate(ctx, shoot, old); err != nil {
		return admission.Denied(err.Error())
	}
	return admission.Allowed("")
}

// validate judges shoot (an update of old when old is set) against its CloudProfile.
func (v *validator) validate(ctx context.Context, shoot, old *core.Shoot) error {
	versioned := &gardencorev1beta1.Shoot{}
	if err := gardencorev1beta1.Convert_core_Shoot_To_v1beta1_Shoot(shoot, versioned, nil); err != nil {
		return err
	}
	profile, err := gardenerutils.GetCloudProfile(ctx, v.client, versioned)
	if err != nil {
		return err
	}
	var errs field.ErrorList
	if old != nil {
		errs = metal.ValidateUpdate(old, shoot, profile)
	} else {
		errs = metal.ValidateCreate(shoot, profile)
	}
	return errs.ToAggregate()
}

// ProbeShoot is a metal Shoot in namespace that Gardener's admission admits and the
// webhook refuses: the landscape's probe on the CloudProfile metal, without an
// InfrastructureConfig.
func ProbeShoot(namespace string) (*unstructured.Unstructured, error) {
	u := landscape.ProbeShoot(namespace)
	u.SetName("metal-probe")
	for _, f := range []struct {
		value any
		path  []string
	}{
		{"metal", []string{"spec", "cloudProfile", "name"}},
		{"metal-credentials", []string{"spec", "credentialsBindingName"}},
		{metal.Type, []string{"spec", "provider", "type"}},
		{[]any{map[string]any{
			"name": "probe", "minimum": int64(1), "maximum": int64(1),
			"machine": map[string]any{"type": "v1-small-x86", "image": map[string]any{"name": "debian", "version": "12.0.20251120"}},
		}}, []string{"spec", "provider", "workers"}},
	} {
		if err := unstructured.SetNestedField(u.Object, f.value, f.path...); err != nil {
			return nil, fmt.Errorf("metal webhook: probe shoot: %w", err)
		}
	}
	return u, nil
}

// waitCalled returns once a dry run of ProbeShoot is refused by the webhook:
// gardener-apiserver reads webhook registrations from an informer, which lags.
func waitCalled(ctx context.Context, c client.Client, namespace string) error {
	probe, err := ProbeShoot(namespace)
	if err != nil {
		return err
	}
	last, err := landscape.WaitDryRun(ctx, c, probe, func(err error) bool {
		return err != nil && strings.Contains(err.Error(), `admission webhook "`+WebhookName+`" denied the request`)
	})
	if err != nil {
		return fmt.Errorf("metal webhook: gardener-apiserver does not call it for a metal shoot in namespace %s (last: %v): %w", namespace, last, err) //nolint:errorlint // the last attempt's error may be nil: context, not the cause
	}
	return nil
}
