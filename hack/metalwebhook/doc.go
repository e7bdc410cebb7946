// Package metalwebhook serves metal-stack's Shoot admission (gardener/metal) to a test
// garden, as gardener-extension-admission-metal serves it to a real one: a TLS server on
// loopback, registered with the garden's kube-apiserver by a ValidatingWebhookConfiguration
// that gardener-apiserver's ValidatingAdmissionWebhook plugin calls for metal Shoots.
// hack/testenv (every envtest suite) and the landscape (`make run`) start it.
//
// The registration is upstream's (extensions/pkg/webhook.BuildWebhookConfigs for the
// validator of provider-metal's pkg/admission/validator): webhook
// validator.metal.extensions.gardener.cloud, Shoots of any version on create and update,
// objects labelled provider.extensions.gardener.cloud/metal=true (Gardener's ExtensionLabels
// plugin sets it), failure policy Fail, match policy Exact, no side effects, 10 s timeout.
// Only the Shoot validator is served: upstream's CloudProfile, SecretBinding and
// CredentialsBinding validators are not replayed.
//
// It is development tooling: gardenfleet's own packages must not import it.
package metalwebhook
