package service

import (
	"slices"
	"strings"

	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

var columns = map[transfer.Kind][]transfer.Column{
	transfer.KindAccounts: {
		{Field: "name", Label: "crm.account.name", Required: true, Example: "宁波甬兴汽车零部件有限公司"},
		{Field: "code", Label: "crm.account.code", Example: "C100001"},
		{Field: "short_name", Label: "crm.account.short_name", Example: "甬兴汽配"},
		{Field: "level", Label: "crm.account.level", Example: "A"},
		{Field: "industry", Label: "crm.account.industry", Example: "汽车零部件"},
		{Field: "tax_id", Label: "crm.account.tax_id", Example: "91330206MA2H123456"},
		{Field: "currency", Label: "crm.account.currency", Example: "CNY"},
		{Field: "region", Label: "crm.account.region", Example: "浙江"},
		{Field: "owner_id", Label: "crm.import.col.owner", Example: "li.lei"},
		{Field: "parent_id", Label: "crm.import.col.parent", Example: ""},
		{Field: "phone", Label: "crm.account.phone", Example: "0574-86801234"},
		{Field: "mobile", Label: "crm.account.mobile", Example: "13857401234"},
		{Field: "email", Label: "crm.account.email", Example: "buyer@example.cn"},
		{Field: "website", Label: "crm.account.website", Example: "https://www.example.cn"},
		{Field: "tags", Label: "crm.account.tags", Example: "变速箱, 战略客户"},
		{Field: "addresses[0].province", Label: "crm.import.col.province", Example: "浙江省"},
		{Field: "addresses[0].city", Label: "crm.import.col.city", Example: "宁波市"},
		{Field: "addresses[0].district", Label: "crm.import.col.district", Example: "北仑区"},
		{Field: "addresses[0].street", Label: "crm.import.col.street", Example: "大港工业城 18 号"},
		{Field: "addresses[0].postcode", Label: "crm.import.col.postcode", Example: "315800"},
		{Field: "notes", Label: "crm.account.notes", Example: ""},
	},
	transfer.KindContacts: {
		{Field: "account", Label: "crm.import.col.account", Required: true, Example: "C100001"},
		{Field: "name", Label: "crm.contact.name", Required: true, Example: "周建国"},
		{Field: "title", Label: "crm.contact.job_title", Example: "采购经理"},
		{Field: "department", Label: "crm.contact.department", Example: "采购部"},
		{Field: "mobile", Label: "crm.contact.mobile", Example: "13857401234"},
		{Field: "phone", Label: "crm.contact.phone", Example: "0574-86801234"},
		{Field: "email", Label: "crm.contact.email", Example: "zhoujg@example.cn"},
		{Field: "wechat", Label: "crm.contact.wechat", Example: "zhoujg_nb"},
		{Field: "primary", Label: "crm.import.col.primary", Example: "是"},
		{Field: "notes", Label: "crm.contact.notes", Example: ""},
	},
	transfer.KindLeads: {
		{Field: "company", Label: "crm.lead.company", Required: true, Example: "绍兴越城汽车零件有限公司"},
		{Field: "contact_name", Label: "crm.lead.contact_name", Example: "潘涛"},
		{Field: "title", Label: "crm.lead.job_title", Example: "采购"},
		{Field: "mobile", Label: "crm.lead.mobile", Example: "13757501234"},
		{Field: "phone", Label: "crm.lead.phone", Example: ""},
		{Field: "email", Label: "crm.lead.email", Example: "pantao@example.cn"},
		{Field: "region", Label: "crm.lead.region", Example: "浙江"},
		{Field: "industry", Label: "crm.lead.industry", Example: "汽车零部件"},
		{Field: "source", Label: "crm.lead.source", Example: "展会"},
		{Field: "campaign_id", Label: "crm.import.col.campaign", Example: "expo-2026"},
		{Field: "product_interest", Label: "crm.lead.product_interest", Example: "水泵壳体"},
		{Field: "budget", Label: "crm.lead.budget", Example: "150000"},
		{Field: "currency", Label: "crm.lead.currency", Example: "CNY"},
		{Field: "owner_id", Label: "crm.import.col.owner", Example: ""},
		{Field: "notes", Label: "crm.lead.notes", Example: "展会上索要了样品"},
	},
}

// aliases are other headings people give their columns.
var aliases = map[string][]string{
	"name":         {"名称", "客户名称", "公司", "公司名", "企业名称", "姓名", "联系人", "联系人姓名", "company", "customer", "contact"},
	"company":      {"公司名称", "客户名称", "企业名称", "单位", "company name", "customer"},
	"contact_name": {"联系人姓名", "姓名", "name", "contact name"},
	"mobile":       {"手机号", "手机号码", "移动电话", "mobile phone", "cell", "cellphone"},
	"phone":        {"座机", "固定电话", "电话号码", "tel", "telephone"},
	"email":        {"电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail"},
	"title":        {"职务", "职位", "title", "position"},
	"owner_id":     {"销售", "业务员", "客户经理", "负责销售", "owner login", "sales rep"},
	"account":      {"客户", "客户编码", "公司名称", "客户名称", "customer code", "account"},
	"region":       {"地区", "省份", "province"},
	"tax_id":       {"统一社会信用代码", "纳税人识别号", "税号", "tax number"},
	"website":      {"网站", "官网", "网址", "web site"},
}

// Columns lists the fields a kind of file can fill.
func (s *Service) Columns(kind transfer.Kind) []transfer.Column { return columns[kind] }

// headingKey folds a heading for matching: no case, width, spaces, the
// required mark or anything in brackets.
func headingKey(h string) string {
	h = fold(h)
	for _, pair := range [][2]string{{"(", ")"}, {"（", "）"}} {
		if i := strings.Index(h, pair[0]); i >= 0 {
			if j := strings.Index(h[i:], pair[1]); j >= 0 {
				h = h[:i] + h[i+j+len(pair[1]):]
			}
		}
	}
	return strings.NewReplacer(" ", "", "*", "", "_", "", "-", "", ":", "", "：", "").Replace(h)
}

// autoMap maps each heading to the field whose heading (in either
// language) or name it matches; a field is used once.
func autoMap(kind transfer.Kind, headings []string) []string {
	// Aliases first: the headings of the fields themselves win.
	byKey := map[string]string{}
	for f, names := range aliases {
		if slices.ContainsFunc(columns[kind], func(c transfer.Column) bool { return c.Field == f }) {
			for _, n := range names {
				byKey[headingKey(n)] = f
			}
		}
	}
	for _, c := range columns[kind] {
		byKey[headingKey(c.Field)] = c.Field
		for _, l := range i18n.Langs() {
			byKey[headingKey(i18n.TL(l, c.Label))] = c.Field
		}
	}
	used := map[string]bool{}
	out := make([]string, len(headings))
	for i, h := range headings {
		if f, ok := byKey[headingKey(h)]; ok && !used[f] {
			out[i], used[f] = f, true
		}
	}
	return out
}
