package ledger

import (
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// Message keys of the ledger's errors (locales/finance.*.toml).
const (
	keyRequired          = "fin.error.required"
	keyTooLong           = "fin.error.too_long"
	keyTaxIDInvalid      = "fin.error.tax_id_invalid"
	keyTimeZoneInvalid   = "fin.error.time_zone_invalid"
	keyMonthInvalid      = "fin.error.month_invalid"
	keyDateInvalid       = "fin.error.date_invalid"
	keyBooksStartDay     = "fin.error.books_start_day"
	keyCurrencyUnknown   = "fin.error.currency_unknown"
	keyStale             = "fin.error.stale"
	keyFixedAfterPosting = "fin.error.fixed_after_posting"
	keyBaseCurrencyInUse = "fin.error.base_currency_in_use"
	keyFixedAfterClose   = "fin.error.fixed_after_close"
	keyTemplateUnknown   = "fin.error.template_unknown"
	keyTemplateInUse     = "fin.error.template_in_use"

	keyCodeInvalid         = "fin.error.code_invalid"
	keyCodeTaken           = "fin.error.code_taken"
	keyTypeInvalid         = "fin.error.type_invalid"
	keyNormalInvalid       = "fin.error.normal_invalid"
	keyTypeParent          = "fin.error.type_parent"
	keyParentPosted        = "fin.error.parent_posted"
	keyAccountCurrency     = "fin.error.account_currency"
	keyControlInvalid      = "fin.error.control_invalid"
	keyGroupInvalid        = "fin.error.group_invalid"
	keyAccountUsed         = "fin.error.account_used"
	keyAccountHasChildren  = "fin.error.account_has_children"
	keyAccountInRule       = "fin.error.account_in_rule"
	keyAccountUnknown      = "fin.error.account_unknown"
	keyAccountInactive     = "fin.error.account_inactive"
	keyAccountNotLeaf      = "fin.error.account_not_leaf"
	keyAccountControl      = "fin.error.account_control"
	keyAccountCurrencyLine = "fin.error.account_currency_line"
	keyParentInactive      = "fin.error.parent_inactive"

	keyRateInvalid     = "fin.error.rate_invalid"
	keyRateBase        = "fin.error.rate_base"
	keyRateMissing     = "fin.error.rate_missing"
	keyRateMismatch    = "fin.error.rate_mismatch"
	keyRateUnknown     = "fin.error.rate_unknown"
	keyJournalCode     = "fin.error.journal_code"
	keyJournalTaken    = "fin.error.journal_taken"
	keyJournalUnknown  = "fin.error.journal_unknown"
	keyJournalInactive = "fin.error.journal_inactive"
	keyJournalDefault  = "fin.error.journal_default"

	keyRoleUnknown   = "fin.error.role_unknown"
	keyRuleTaken     = "fin.error.rule_taken"
	keyRuleMissing   = "fin.error.rule_missing"
	keyRuleLastRole  = "fin.error.rule_last_for_role"
	keySourceUnknown = "fin.error.source_unknown"

	keyPeriodClosed    = "fin.error.period_closed"
	keyPeriodLocked    = "fin.error.period_locked"
	keyBeforeBooks     = "fin.error.before_books_start"
	keyPeriodState     = "fin.error.period_state"
	keyPeriodEarlier   = "fin.error.period_earlier_open"
	keyPeriodLater     = "fin.error.period_later_closed"
	keyPeriodDrafts    = "fin.error.period_has_drafts"
	keyPeriodUnknown   = "fin.error.period_unknown"
	keyPeriodNotLocked = "fin.error.period_earlier_not_locked"

	keyLinesRequired  = "fin.error.lines_required"
	keyLinesTooMany   = "fin.error.lines_too_many"
	keyLineOneSide    = "fin.error.line_one_side"
	keyLineNegative   = "fin.error.line_negative"
	keyLineZero       = "fin.error.line_zero"
	keyUnbalanced     = "fin.error.unbalanced"
	keyOverflow       = "fin.error.overflow"
	keyNotDraft       = "fin.error.not_draft"
	keyAlreadyPosted  = "fin.error.already_posted"
	keyAlreadyRevd    = "fin.error.already_reversed"
	keyNotPosted      = "fin.error.not_posted"
	keyReverseSource  = "fin.error.reverse_document"
	keyReverseReverse = "fin.error.reverse_reversal"
	keyPartnerInvalid = "fin.error.partner_invalid"
	keyAttachments    = "fin.error.attachments_invalid"
	keySourceIDEmpty  = "fin.error.source_id_required"
	keyNotFoundSource = "fin.error.source_not_posted"
	keyReverseDate    = "fin.error.reverse_date"
)

// fieldError is one bad input field.
type fieldError = apperr.FieldError

// fe names one bad field with its message key and parameters.
func fe(field, key string, params ...map[string]any) fieldError {
	var p map[string]any
	if len(params) > 0 {
		p = params[0]
	}
	return fieldError{Field: field, Key: key, Message: i18n.TL(i18n.EN, key, p), Params: p}
}

// fieldErrors returns an invalid-input error naming every field, or nil.
func fieldErrors(fs []fieldError) error {
	return apperr.InvalidFields(fs...)
}
