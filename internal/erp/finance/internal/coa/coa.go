// Package coa holds the chart-of-accounts templates a company starts its
// books from: the Chinese small-enterprise standard (小企业会计准则) and a
// general international chart, each with its default posting rules.
package coa

import (
	"strings"

	"github.com/loom-erp/loom/internal/erp/finance"
)

// Template names.
const (
	SmallEnterprise = "cn_small" // 小企业会计准则
	International   = "intl"     // a general international chart
)

// Account types.
const (
	Asset     = "asset"
	Liability = "liability"
	Equity    = "equity"
	Revenue   = "revenue"
	Expense   = "expense"
)

// Normal balances.
const (
	Debit  = "debit"
	Credit = "credit"
)

// Types lists the account types in the order reports show them.
var Types = []string{Asset, Liability, Equity, Revenue, Expense}

// NormalOf returns the usual normal balance of an account type.
func NormalOf(typ string) string {
	if typ == Asset || typ == Expense {
		return Debit
	}
	return Credit
}

// Report groups: the lines of the balance sheet and the income statement an
// account's balance is shown on.
const (
	GroupCash               = "cash"
	GroupShortInvestments   = "short_investments"
	GroupNotesReceivable    = "notes_receivable"
	GroupReceivables        = "receivables"
	GroupPrepayments        = "prepayments"
	GroupOtherReceivables   = "other_receivables"
	GroupInventory          = "inventory"
	GroupOtherCurrent       = "other_current_assets"
	GroupLongInvestments    = "long_investments"
	GroupFixedAssets        = "fixed_assets"
	GroupConstruction       = "construction"
	GroupIntangibles        = "intangibles"
	GroupOtherNonCurrent    = "other_non_current_assets"
	GroupShortLoans         = "short_loans"
	GroupNotesPayable       = "notes_payable"
	GroupPayables           = "payables"
	GroupAdvances           = "advances"
	GroupPayroll            = "payroll"
	GroupTaxes              = "taxes"
	GroupOtherPayables      = "other_payables"
	GroupLongLiabilities    = "long_liabilities"
	GroupCapital            = "capital"
	GroupReserves           = "reserves"
	GroupRetained           = "retained_earnings"
	GroupRevenue            = "revenue"
	GroupCostOfSales        = "cost_of_sales"
	GroupTaxesSurcharges    = "taxes_surcharges"
	GroupSelling            = "selling"
	GroupAdministrative     = "administrative"
	GroupFinancial          = "financial"
	GroupInvestmentIncome   = "investment_income"
	GroupNonOperatingIncome = "non_operating_income"
	GroupNonOperatingExp    = "non_operating_expense"
	GroupIncomeTax          = "income_tax"
)

// BalanceSheetGroups lists the balance-sheet groups per section, in order.
var BalanceSheetGroups = map[string][]string{
	"current_assets":          {GroupCash, GroupShortInvestments, GroupNotesReceivable, GroupReceivables, GroupPrepayments, GroupOtherReceivables, GroupInventory, GroupOtherCurrent},
	"non_current_assets":      {GroupLongInvestments, GroupFixedAssets, GroupConstruction, GroupIntangibles, GroupOtherNonCurrent},
	"current_liabilities":     {GroupShortLoans, GroupNotesPayable, GroupPayables, GroupAdvances, GroupPayroll, GroupTaxes, GroupOtherPayables},
	"non_current_liabilities": {GroupLongLiabilities},
	"equity":                  {GroupCapital, GroupReserves, GroupRetained},
}

// IncomeGroups lists the income-statement groups in order.
var IncomeGroups = []string{GroupRevenue, GroupCostOfSales, GroupTaxesSurcharges, GroupSelling, GroupAdministrative,
	GroupFinancial, GroupInvestmentIncome, GroupNonOperatingIncome, GroupNonOperatingExp, GroupIncomeTax}

// Groups lists every report group.
func Groups() []string {
	var out []string
	for _, s := range []string{"current_assets", "non_current_assets", "current_liabilities", "non_current_liabilities", "equity"} {
		out = append(out, BalanceSheetGroups[s]...)
	}
	return append(out, IncomeGroups...)
}

// Account is one account of a template.
type Account struct {
	Code     string
	NameZH   string
	NameEN   string
	Type     string
	Normal   string // "" means the type's usual normal balance
	Currency string // "" base currency only, "*" any currency
	Control  string // "ar", "ap" or ""
	Cash     bool   // a cash or bank account (cash flow)
	Group    string // report group
}

// NormalBalance returns the account's normal balance.
func (a Account) NormalBalance() string {
	if a.Normal != "" {
		return a.Normal
	}
	return NormalOf(a.Type)
}

// Rule maps a posting role to an account code for every source kind,
// item category and warehouse.
type Rule struct {
	Role finance.Role
	Code string
}

// Journal is a journal a template starts with.
type Journal struct {
	Code, Prefix, NameZH, NameEN string
	Default                      bool
}

// Template is a chart of accounts with its default posting rules.
type Template struct {
	Name     string
	Accounts []Account // parents before children
	Rules    []Rule
	Journals []Journal
}

// Parent returns the code of an account's parent within the template: the
// longest other code that prefixes it, or "".
func (t Template) Parent(code string) string {
	best := ""
	for _, a := range t.Accounts {
		if a.Code != code && strings.HasPrefix(code, a.Code) && len(a.Code) > len(best) {
			best = a.Code
		}
	}
	return best
}

// Get returns the template of a name.
func Get(name string) (Template, bool) {
	switch name {
	case SmallEnterprise:
		return smallEnterprise(), true
	case International:
		return international(), true
	}
	return Template{}, false
}

// Names lists the templates, the default first.
func Names() []string { return []string{SmallEnterprise, International} }

var defaultJournals = []Journal{
	{Code: "GJ", Prefix: "记", NameZH: "记账凭证", NameEN: "General journal", Default: true},
}

func smallEnterprise() Template {
	a := func(code, zh, en, typ, group string) Account {
		return Account{Code: code, NameZH: zh, NameEN: en, Type: typ, Group: group}
	}
	cash := func(x Account) Account { x.Cash = true; return x }
	anyCur := func(x Account) Account { x.Currency = "*"; return x }
	ctl := func(x Account, c string) Account { x.Control = c; return x }
	contra := func(x Account) Account { x.Normal = Credit; return x }
	debitSide := func(x Account) Account { x.Normal = Debit; return x }
	return Template{
		Name: SmallEnterprise,
		Accounts: []Account{
			// 资产类
			cash(a("1001", "库存现金", "Cash on hand", Asset, GroupCash)),
			cash(anyCur(a("1002", "银行存款", "Cash in bank", Asset, GroupCash))),
			cash(a("1012", "其他货币资金", "Other monetary funds", Asset, GroupCash)),
			a("1101", "短期投资", "Short-term investments", Asset, GroupShortInvestments),
			a("1121", "应收票据", "Notes receivable", Asset, GroupNotesReceivable),
			ctl(anyCur(a("1122", "应收账款", "Accounts receivable", Asset, GroupReceivables)), "ar"),
			anyCur(a("1123", "预付账款", "Prepayments to suppliers", Asset, GroupPrepayments)),
			a("1131", "应收股利", "Dividends receivable", Asset, GroupOtherReceivables),
			a("1132", "应收利息", "Interest receivable", Asset, GroupOtherReceivables),
			a("1221", "其他应收款", "Other receivables", Asset, GroupOtherReceivables),
			a("1401", "材料采购", "Materials purchasing", Asset, GroupInventory),
			a("1402", "在途物资", "Goods in transit", Asset, GroupInventory),
			a("1403", "原材料", "Raw materials", Asset, GroupInventory),
			a("1404", "材料成本差异", "Materials cost variance", Asset, GroupInventory),
			a("1405", "库存商品", "Finished goods and merchandise", Asset, GroupInventory),
			a("1407", "商品进销差价", "Merchandise price difference", Asset, GroupInventory),
			a("1408", "委托加工物资", "Materials in outsourced processing", Asset, GroupInventory),
			a("1411", "周转材料", "Turnover materials", Asset, GroupInventory),
			a("1501", "长期债券投资", "Long-term bond investments", Asset, GroupLongInvestments),
			a("1511", "长期股权投资", "Long-term equity investments", Asset, GroupLongInvestments),
			a("1601", "固定资产", "Fixed assets", Asset, GroupFixedAssets),
			contra(a("1602", "累计折旧", "Accumulated depreciation", Asset, GroupFixedAssets)),
			a("1604", "在建工程", "Construction in progress", Asset, GroupConstruction),
			a("1605", "工程物资", "Construction materials", Asset, GroupConstruction),
			a("1606", "固定资产清理", "Fixed assets in disposal", Asset, GroupFixedAssets),
			a("1701", "无形资产", "Intangible assets", Asset, GroupIntangibles),
			contra(a("1702", "累计摊销", "Accumulated amortisation", Asset, GroupIntangibles)),
			a("1801", "长期待摊费用", "Long-term deferred expenses", Asset, GroupOtherNonCurrent),
			a("1901", "待处理财产损溢", "Unsettled asset gains and losses", Asset, GroupOtherCurrent),
			// 负债类
			a("2001", "短期借款", "Short-term loans", Liability, GroupShortLoans),
			a("2201", "应付票据", "Notes payable", Liability, GroupNotesPayable),
			a("2202", "应付账款", "Accounts payable", Liability, GroupPayables),
			a("220201", "暂估应付账款", "Goods received not invoiced", Liability, GroupPayables),
			ctl(anyCur(a("220202", "应付货款", "Trade payables", Liability, GroupPayables)), "ap"),
			anyCur(a("2203", "预收账款", "Advances from customers", Liability, GroupAdvances)),
			a("2211", "应付职工薪酬", "Payroll payable", Liability, GroupPayroll),
			a("2221", "应交税费", "Taxes payable", Liability, GroupTaxes),
			a("222101", "应交增值税", "VAT payable", Liability, GroupTaxes),
			debitSide(a("22210101", "进项税额", "Input VAT", Liability, GroupTaxes)),
			a("22210102", "销项税额", "Output VAT", Liability, GroupTaxes),
			a("22210103", "进项税额转出", "Input VAT transferred out", Liability, GroupTaxes),
			debitSide(a("22210104", "已交税金", "VAT paid", Liability, GroupTaxes)),
			debitSide(a("22210105", "转出未交增值税", "Unpaid VAT transferred out", Liability, GroupTaxes)),
			a("222102", "未交增值税", "Unpaid VAT", Liability, GroupTaxes),
			a("222103", "应交企业所得税", "Corporate income tax payable", Liability, GroupTaxes),
			a("222104", "应交个人所得税", "Individual income tax withheld", Liability, GroupTaxes),
			a("222105", "应交城市维护建设税", "Urban maintenance and construction tax payable", Liability, GroupTaxes),
			a("222106", "应交教育费附加", "Education surcharge payable", Liability, GroupTaxes),
			a("222107", "应交地方教育附加", "Local education surcharge payable", Liability, GroupTaxes),
			a("2231", "应付利息", "Interest payable", Liability, GroupOtherPayables),
			a("2232", "应付利润", "Profits payable", Liability, GroupOtherPayables),
			a("2241", "其他应付款", "Other payables", Liability, GroupOtherPayables),
			a("2401", "递延收益", "Deferred income", Liability, GroupLongLiabilities),
			a("2501", "长期借款", "Long-term loans", Liability, GroupLongLiabilities),
			a("2701", "长期应付款", "Long-term payables", Liability, GroupLongLiabilities),
			// 所有者权益类
			a("3001", "实收资本", "Paid-in capital", Equity, GroupCapital),
			a("3002", "资本公积", "Capital reserve", Equity, GroupReserves),
			a("3101", "盈余公积", "Surplus reserve", Equity, GroupReserves),
			a("3103", "本年利润", "Current year profit", Equity, GroupRetained),
			a("3104", "利润分配", "Profit distribution", Equity, GroupRetained),
			// 成本类: balances belong to inventory on the balance sheet
			a("4001", "生产成本", "Production cost", Asset, GroupInventory),
			a("4101", "制造费用", "Manufacturing overhead", Asset, GroupInventory),
			a("4301", "研发支出", "Research and development expenditure", Asset, GroupIntangibles),
			// 损益类
			a("5001", "主营业务收入", "Main operating revenue", Revenue, GroupRevenue),
			a("5051", "其他业务收入", "Other operating revenue", Revenue, GroupRevenue),
			a("5111", "投资收益", "Investment income", Revenue, GroupInvestmentIncome),
			a("5301", "营业外收入", "Non-operating income", Revenue, GroupNonOperatingIncome),
			a("5401", "主营业务成本", "Main operating costs", Expense, GroupCostOfSales),
			a("5402", "其他业务成本", "Other operating costs", Expense, GroupCostOfSales),
			a("5403", "税金及附加", "Taxes and surcharges", Expense, GroupTaxesSurcharges),
			a("5601", "销售费用", "Selling expenses", Expense, GroupSelling),
			a("5602", "管理费用", "Administrative expenses", Expense, GroupAdministrative),
			a("5603", "财务费用", "Financial expenses", Expense, GroupFinancial),
			a("5711", "营业外支出", "Non-operating expenses", Expense, GroupNonOperatingExp),
			a("5801", "所得税费用", "Income tax expense", Expense, GroupIncomeTax),
		},
		Rules: []Rule{
			{finance.RoleInventory, "1405"},
			{finance.RoleGRNI, "220201"},
			{finance.RoleCOGS, "5401"},
			{finance.RoleAR, "1122"},
			{finance.RoleRevenue, "5001"},
			{finance.RoleOutputVAT, "22210102"},
			{finance.RoleInputVAT, "22210101"},
			{finance.RoleAP, "220202"},
			{finance.RoleBank, "1002"},
			{finance.RoleAdvance, "2203"},
			{finance.RoleAdjustment, "1901"},
			{finance.RoleScrap, "5711"},
			{finance.RolePriceDiff, "1404"},
			{finance.RoleWIP, "4001"},
			{finance.RoleFinished, "1405"},
		},
		Journals: defaultJournals,
	}
}

func international() Template {
	a := func(code, zh, en, typ, group string) Account {
		return Account{Code: code, NameZH: zh, NameEN: en, Type: typ, Group: group}
	}
	cash := func(x Account) Account { x.Cash = true; return x }
	anyCur := func(x Account) Account { x.Currency = "*"; return x }
	ctl := func(x Account, c string) Account { x.Control = c; return x }
	contra := func(x Account) Account { x.Normal = Credit; return x }
	return Template{
		Name: International,
		Accounts: []Account{
			cash(a("1000", "现金", "Cash", Asset, GroupCash)),
			cash(anyCur(a("1010", "银行账户", "Bank accounts", Asset, GroupCash))),
			ctl(anyCur(a("1100", "应收账款", "Accounts receivable", Asset, GroupReceivables)), "ar"),
			anyCur(a("1150", "预付供应商款项", "Prepayments to suppliers", Asset, GroupPrepayments)),
			a("1190", "其他应收款", "Other receivables", Asset, GroupOtherReceivables),
			a("1200", "原材料", "Raw materials", Asset, GroupInventory),
			a("1210", "在制品", "Work in progress", Asset, GroupInventory),
			a("1220", "产成品", "Finished goods", Asset, GroupInventory),
			a("1230", "物料与包装", "Supplies and packaging", Asset, GroupInventory),
			a("1300", "可抵扣进项增值税", "Input VAT recoverable", Asset, GroupOtherCurrent),
			a("1390", "待处理库存差异", "Inventory differences pending", Asset, GroupOtherCurrent),
			a("1500", "固定资产", "Property, plant and equipment", Asset, GroupFixedAssets),
			contra(a("1510", "累计折旧", "Accumulated depreciation", Asset, GroupFixedAssets)),
			a("1600", "无形资产", "Intangible assets", Asset, GroupIntangibles),
			contra(a("1610", "累计摊销", "Accumulated amortisation", Asset, GroupIntangibles)),
			ctl(anyCur(a("2000", "应付账款", "Accounts payable", Liability, GroupPayables)), "ap"),
			a("2010", "已收货未开票", "Goods received not invoiced", Liability, GroupPayables),
			anyCur(a("2100", "客户预付款", "Customer advances", Liability, GroupAdvances)),
			a("2200", "销项增值税", "Output VAT payable", Liability, GroupTaxes),
			a("2210", "应交增值税净额", "VAT settlement", Liability, GroupTaxes),
			a("2220", "应交所得税", "Income tax payable", Liability, GroupTaxes),
			a("2230", "其他应交税费", "Other taxes payable", Liability, GroupTaxes),
			a("2300", "应付工资", "Wages payable", Liability, GroupPayroll),
			a("2400", "短期借款", "Short-term borrowings", Liability, GroupShortLoans),
			a("2500", "其他应付款", "Other payables", Liability, GroupOtherPayables),
			a("2800", "长期借款", "Long-term borrowings", Liability, GroupLongLiabilities),
			a("3000", "股本", "Share capital", Equity, GroupCapital),
			a("3100", "留存收益", "Retained earnings", Equity, GroupRetained),
			a("3200", "本年损益", "Current year earnings", Equity, GroupRetained),
			a("4000", "销售收入", "Sales revenue", Revenue, GroupRevenue),
			a("4100", "其他营业收入", "Other operating income", Revenue, GroupRevenue),
			a("4200", "财务收入", "Finance income", Revenue, GroupInvestmentIncome),
			a("4300", "其他利得", "Other gains", Revenue, GroupNonOperatingIncome),
			a("5000", "销售成本", "Cost of goods sold", Expense, GroupCostOfSales),
			a("5100", "采购价格差异", "Purchase price variance", Expense, GroupCostOfSales),
			a("5200", "存货盘盈盘亏", "Inventory adjustments", Expense, GroupCostOfSales),
			a("5300", "报废与核销", "Scrap and write-offs", Expense, GroupNonOperatingExp),
			a("6000", "销售费用", "Selling expenses", Expense, GroupSelling),
			a("6100", "管理费用", "Administrative expenses", Expense, GroupAdministrative),
			a("6200", "财务费用", "Finance costs", Expense, GroupFinancial),
			a("6300", "其他费用", "Other expenses", Expense, GroupNonOperatingExp),
			a("7000", "所得税费用", "Income tax expense", Expense, GroupIncomeTax),
		},
		Rules: []Rule{
			{finance.RoleInventory, "1220"},
			{finance.RoleGRNI, "2010"},
			{finance.RoleCOGS, "5000"},
			{finance.RoleAR, "1100"},
			{finance.RoleRevenue, "4000"},
			{finance.RoleOutputVAT, "2200"},
			{finance.RoleInputVAT, "1300"},
			{finance.RoleAP, "2000"},
			{finance.RoleBank, "1010"},
			{finance.RoleAdvance, "2100"},
			{finance.RoleAdjustment, "5200"},
			{finance.RoleScrap, "5300"},
			{finance.RolePriceDiff, "5100"},
			{finance.RoleWIP, "1210"},
			{finance.RoleFinished, "1220"},
		},
		Journals: defaultJournals,
	}
}

// Roles lists every posting role, in the order the rules screen shows them.
var Roles = []finance.Role{
	finance.RoleInventory, finance.RoleGRNI, finance.RoleCOGS, finance.RoleAR, finance.RoleRevenue,
	finance.RoleOutputVAT, finance.RoleInputVAT, finance.RoleAP, finance.RoleBank, finance.RoleAdvance,
	finance.RoleAdjustment, finance.RoleScrap, finance.RolePriceDiff, finance.RoleWIP, finance.RoleFinished,
}

// Currency is a currency Loom knows by default.
type Currency struct{ Code, NameZH, NameEN string }

// Currencies are the currencies every company starts with.
var Currencies = []Currency{
	{"CNY", "人民币", "Chinese yuan"},
	{"USD", "美元", "US dollar"},
	{"EUR", "欧元", "Euro"},
	{"JPY", "日元", "Japanese yen"},
	{"HKD", "港元", "Hong Kong dollar"},
	{"GBP", "英镑", "Pound sterling"},
	{"KRW", "韩元", "South Korean won"},
}
