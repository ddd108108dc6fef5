package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/loom-erp/loom/internal/platform/api"
	"github.com/loom-erp/loom/internal/platform/api/apitest"
	"github.com/loom-erp/loom/internal/platform/authz"
)

type sampleInput struct {
	Body struct {
		Name  string   `json:"name" minLength:"1" doc:"Name of the sample."`
		Price price    `json:"price" doc:"Unit price."`
		Qty   quantity `json:"qty" doc:"Quantity."`
	}
}

type sampleOutput struct {
	Body struct {
		ID   string `json:"id" format:"uuid"`
		Name string `json:"name"`
	}
}

// sampleAPI is a tiny API whose document is kept in testdata.
func sampleAPI() *api.API {
	a := api.New(http.NewServeMux(), api.Options{DecimalTypes: []reflect.Type{reflect.TypeFor[quantity]()}})
	api.Register(a, huma.Operation{
		OperationID: "test-create-sample", Method: http.MethodPost, Path: "/samples",
		Summary: "Create a sample", DefaultStatus: http.StatusCreated,
	}, permWrite, func(context.Context, *sampleInput) (*sampleOutput, error) { return nil, nil })
	api.Register(a, huma.Operation{
		OperationID: "test-get-sample", Method: http.MethodGet, Path: "/samples/{id}", Summary: "Get a sample",
	}, permRead, func(context.Context, *api.IDParam) (*sampleOutput, error) { return nil, nil })
	api.Register(a, huma.Operation{
		OperationID: "test-list-samples", Method: http.MethodGet, Path: "/samples", Summary: "List samples",
	}, authz.Authenticated, func(context.Context, *struct{ api.ListParams }) (*api.ListOutput[string], error) { return nil, nil })
	return a
}

func TestSpecGolden(t *testing.T) {
	a := sampleAPI()
	apitest.CheckGolden(t, a, "testdata/sample.openapi.json")

	var one, two bytes.Buffer
	if err := api.WriteSpec(a, &one); err != nil {
		t.Fatal(err)
	}
	if err := api.WriteSpec(sampleAPI(), &two); err != nil {
		t.Fatal(err)
	}
	if one.String() != two.String() {
		t.Fatal("the document differs between two identical APIs")
	}
}

func TestSpecContents(t *testing.T) {
	a := sampleAPI()
	var buf bytes.Buffer
	if err := api.WriteSpec(a, &buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Permission string `json:"x-loom-permission"`
			Parameters []struct{ Name, In string }
			Responses  map[string]struct {
				Content map[string]any
			}
			Security []map[string][]string
		}
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type    any
					Pattern string
				}
				AdditionalProperties *bool `json:"additionalProperties"`
			}
			SecuritySchemes map[string]any `json:"securitySchemes"`
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	post := doc.Paths["/samples"]["post"]
	if post.Permission != string(permWrite) || len(post.Security) != 2 {
		t.Fatalf("post: %+v", post)
	}
	if !slices.ContainsFunc(post.Parameters, func(p struct{ Name, In string }) bool {
		return p.Name == api.IdempotencyKeyHeader && p.In == "header"
	}) {
		t.Fatalf("the write documents no Idempotency-Key: %+v", post.Parameters)
	}
	for _, code := range []string{"401", "403", "409", "413", "422", "500"} {
		if _, ok := post.Responses[code].Content[api.ProblemContentType]; !ok {
			t.Errorf("post documents no %s problem: %+v", code, post.Responses[code])
		}
	}
	if get := doc.Paths["/samples/{id}"]["get"]; get.Permission != string(permRead) ||
		slices.ContainsFunc(get.Parameters, func(p struct{ Name, In string }) bool { return p.Name == api.IdempotencyKeyHeader }) {
		t.Fatalf("get: %+v", get)
	}
	body := doc.Components.Schemas["SampleInputBody"]
	if body.AdditionalProperties == nil || *body.AdditionalProperties {
		t.Fatalf("request bodies must refuse unknown fields: %+v", body)
	}
	for _, f := range []string{"price", "qty"} {
		if p := body.Properties[f]; p.Type != "string" || p.Pattern != api.DecimalPattern {
			t.Errorf("%s: %+v, want a decimal string", f, p)
		}
	}
	if len(doc.Components.SecuritySchemes) != 2 {
		t.Fatalf("security schemes: %v", doc.Components.SecuritySchemes)
	}

	ops := a.Operations()
	if len(ops) != 3 || ops[0] != (api.Operation{Method: "POST", Path: "/api/v1/samples", OperationID: "test-create-sample", Permission: permWrite}) {
		t.Fatalf("operations: %+v", ops)
	}
}

func TestRegisterRefusesUndeclaredPermission(t *testing.T) {
	a := api.New(http.NewServeMux(), api.Options{})
	handler := func(context.Context, *struct{}) (*struct{}, error) { return nil, nil }
	op := huma.Operation{OperationID: "test-x", Method: http.MethodGet, Path: "/x"}
	for name, reg := range map[string]func(){
		"no permission":      func() { api.Register(a, op, "", handler) },
		"unknown permission": func() { api.Register(a, op, "test.nobody.declared", handler) },
		"no operation id":    func() { api.Register(a, huma.Operation{Method: http.MethodGet, Path: "/y"}, permRead, handler) },
		"relative path": func() {
			api.Register(a, huma.Operation{OperationID: "test-z", Method: http.MethodGet, Path: "z"}, permRead, handler)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			reg()
		}()
	}
	if len(a.Operations()) != 0 {
		t.Fatalf("refused operations were registered: %+v", a.Operations())
	}
	// An operation documented some other way is caught.
	a.OpenAPI().AddOperation(&huma.Operation{OperationID: "test-sneaky", Method: http.MethodDelete, Path: "/sneaky"})
	if got := a.MissingPermissions(); len(got) != 1 || !strings.HasPrefix(got[0], "DELETE /sneaky") {
		t.Fatalf("MissingPermissions = %v", got)
	}
}
