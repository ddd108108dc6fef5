package service

// Message keys of this module's errors.
const (
	keyRate01          = "crm.quote.error.rate_01"
	keyValidity        = "crm.quote.error.validity"
	keyAccountUnknown  = "crm.quote.error.account_unknown"
	keyContactOther    = "crm.opportunity.error.contact_other"
	keyOpportunity     = "crm.quote.error.opportunity_other"
	keyItemUnknown     = "crm.quote.error.item_unknown"
	keyItemNotSellable = "crm.quote.error.item_not_sellable"
	keyQuantity        = "crm.quote.error.quantity"
	keyDiscount        = "crm.quote.error.discount"
	keyBelowFloor      = "crm.quote.error.below_floor"
	keyNoPrice         = "crm.quote.error.no_price"
	keyNotDraft        = "crm.quote.error.not_draft"
	keyNoLines         = "crm.quote.error.no_lines"
	keyCreditBlocked   = "crm.quote.error.credit_blocked"
	keyStatus          = "crm.quote.error.status"
	keyDecided         = "crm.quote.error.decided"
	keyCommentRequired = "crm.quote.error.comment_required"
	keyPriceRepeated   = "crm.quote.error.price_repeated"
	keyTooManyLines    = "crm.quote.error.too_many_lines"
	maxLines           = 200
)
