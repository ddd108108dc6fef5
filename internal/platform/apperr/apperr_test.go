package apperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

func TestStatus(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{apperr.Invalid("email", "crm.lead.error.email_invalid", "Enter a valid e-mail address"), http.StatusUnprocessableEntity},
		{apperr.NotFound("lead", "42"), http.StatusNotFound},
		{apperr.Conflict("crm.lead.error.duplicate", "This lead exists"), http.StatusConflict},
		{apperr.Forbidden("crm.quote.error.not_owner", "Only the owner may change this quote"), http.StatusForbidden},
		{apperr.PermissionDenied("crm.quote.approve"), http.StatusForbidden},
		{apperr.Unauthorized(), http.StatusUnauthorized},
		{apperr.Precondition("fin.entry.error.posted", "A posted entry cannot change"), http.StatusPreconditionFailed},
		{apperr.Internal(errors.New("disk full")), http.StatusInternalServerError},
		{apperr.New("made_up", "x", "y"), http.StatusInternalServerError},
		{errors.New("plain"), http.StatusInternalServerError},
		{fmt.Errorf("saving: %w", apperr.NotFound("lead", "42")), http.StatusNotFound},
	}
	for _, c := range cases {
		if got := apperr.Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	cause := errors.New("unique constraint lead_email")
	err := fmt.Errorf("create lead: %w", apperr.Conflict("crm.lead.error.duplicate", "This lead exists").WithCause(cause))
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindConflict || e.Key != "crm.lead.error.duplicate" {
		t.Fatalf("As: %+v %v", e, ok)
	}
	if !errors.Is(err, cause) || !apperr.IsKind(err, apperr.KindConflict) || apperr.IsKind(err, apperr.KindNotFound) {
		t.Fatal("the chain is not visible through the error")
	}
	if apperr.KindOf(nil) != "" || apperr.KindOf(cause) != apperr.KindInternal || apperr.KindOf(err) != apperr.KindConflict {
		t.Fatal("KindOf")
	}
	if _, ok := apperr.As(cause); ok {
		t.Fatal("As found an application error in a plain error")
	}
	if !strings.Contains(err.Error(), "unique constraint") {
		t.Fatalf("Error() hides the cause from logs: %s", err)
	}
}

func TestFields(t *testing.T) {
	if err := apperr.InvalidFields(); err != nil {
		t.Fatalf("InvalidFields() = %v, want nil", err)
	}
	err := apperr.Invalid("lines[2].quantity", "erp.order.error.quantity", "Quantity must be positive").
		AddField("customer_id", "erp.order.error.customer", "Choose a customer")
	if len(err.Fields) != 2 || err.Fields[1].Field != "customer_id" {
		t.Fatalf("fields %+v", err.Fields)
	}
	if got := err.Error(); got != "invalid: The input is not valid (lines[2].quantity: Quantity must be positive; customer_id: Choose a customer)" {
		t.Fatalf("Error() = %q", got)
	}
	e, _ := apperr.As(apperr.InvalidFields(apperr.FieldError{Field: "email", Key: "k", Message: "m"}))
	if e.Kind != apperr.KindInvalid || len(e.Fields) != 1 {
		t.Fatalf("%+v", e)
	}
}

func TestMessagesTranslated(t *testing.T) {
	for _, key := range []string{apperr.KeyInvalid, apperr.KeyNotFound, apperr.KeyPermissionDenied, apperr.KeyUnauthorized, apperr.KeyInternal} {
		if !i18n.Has(key) {
			t.Errorf("message %s is missing", key)
		}
	}
	e := apperr.NotFound("lead", "42")
	if got := i18n.TL(i18n.EN, e.Key, e.Params); got != e.Message {
		t.Errorf("English message %q, want %q", got, e.Message)
	}
	if got := i18n.TL(i18n.ZH, e.Key, e.Params); got != "未找到 lead 42" {
		t.Errorf("Chinese message %q", got)
	}
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}
