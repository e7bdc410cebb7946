package gardenerapiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

func writeFiles(dir string, files map[string][]byte) error {
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// KeyPair is a certificate and its key.
type KeyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCert returns a CA when ca is nil, else a certificate ca signs for usage, for the
// loopback servers of a test garden. Each start makes new ones; a year outlasts any test
// run or landscape.
func NewCert(cn string, ca *KeyPair, usage x509.ExtKeyUsage, dns []string, ips []net.IP) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", cn, err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, fmt.Errorf("%s serial number: %w", cn, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	parent, parentKey := tmpl, key
	if ca == nil {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.BasicConstraintsValid, tmpl.IsCA = true, true
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{usage}
		parent, parentKey = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("create %s certificate: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse %s certificate: %w", cn, err)
	}
	return &KeyPair{cert: cert, key: key}, nil
}

// CertPEM is the certificate, PEM-encoded.
func (k *KeyPair) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw})
}

// KeyPEM is the private key, PEM-encoded.
func (k *KeyPair) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k.key)
	if err != nil {
		return nil, fmt.Errorf("encode key of %s: %w", k.cert.Subject.CommonName, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// writeCert writes k's certificate and key as name.crt and name.key into dir.
func writeCert(dir, name string, k *KeyPair) error {
	key, err := k.KeyPEM()
	if err != nil {
		return err
	}
	return writeFiles(dir, map[string][]byte{name + ".crt": k.CertPEM(), name + ".key": key})
}
