package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/gardenfleet/gardenfleet/schema"
)

// The embedded copy must stay the shared upstream file, unedited.
func TestContainerlabSchemaIsUpstream(t *testing.T) {
	t.Parallel()
	if !json.Valid(schema.ContainerlabSchema) {
		t.Fatal("embedded containerlab schema is not JSON")
	}
	const shared = "../../shared/reference/upstream/containerlab-clab.schema.json"
	want, err := os.ReadFile(shared)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", shared)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, schema.ContainerlabSchema) {
		t.Errorf("schema/upstream/containerlab-clab.schema.json differs from %s: copy it again, unedited", shared)
	}
}
