package partner

import (
	"context"
	"fmt"
	"io"

	"github.com/loom-erp/loom/internal/erp/partner/internal/core"
	"github.com/loom-erp/loom/internal/erp/partner/internal/domain"
	"github.com/loom-erp/loom/internal/platform/module"
)

var demoSuppliers = []domain.PartnerSupplierInput{
	{Code: "S-ALU-01", Name: "昆山宏顺铝业有限公司", TaxID: "91320583MA1XXXXX1A", PaymentTerms: "月结 60 天", LeadTimeDays: 7,
		Address: "江苏省昆山市千灯镇石浦路 18 号", ContactName: "顾建华", ContactPhone: "13962612345"},
	{Code: "S-INS-02", Name: "宁波恒力五金制品厂", TaxID: "91330206MA2XXXXX2B", PaymentTerms: "月结 30 天", LeadTimeDays: 10,
		Address: "浙江省宁波市北仑区小港街道", ContactName: "王海燕", ContactPhone: "13805741234"},
	{Code: "S-PKG-03", Name: "苏州瑞丰包装材料有限公司", TaxID: "91320506MA1XXXXX3C", PaymentTerms: "货到付款", LeadTimeDays: 3,
		Address: "江苏省苏州市吴中区木渎镇", ContactName: "李静", ContactPhone: "13912761234"},
}

// DemoCustomers are the customers the demo enters in ERP when CRM gave it none.
var demoCustomers = []domain.PartnerCustomerInput{
	{Code: "C-DEMO-01", Name: "上海汽车变速器有限公司", ShortName: "上汽变速器", TaxID: "91310000MA1XXXXX01",
		ShippingAddress: "上海市嘉定区安亭镇园区路 1 号", ContactName: "张伟", ContactPhone: "13601711234"},
	{Code: "C-DEMO-02", Name: "常州精工电机股份有限公司", ShortName: "常州精工", TaxID: "91320400MA1XXXXX02",
		ShippingAddress: "江苏省常州市武进区常武中路 88 号", ContactName: "刘芳", ContactPhone: "13961121234"},
}

// demo enters the demo company's suppliers, and customers when CRM sent none.
func demo(ctx context.Context, env *module.Env, scale int, log io.Writer) error {
	svc, ok := env.Services.Lookup(ServiceName).(*core.Service)
	if !ok {
		return fmt.Errorf("partner demo: the partner module is not wired")
	}
	for _, s := range demoSuppliers {
		if _, err := svc.SaveSupplier(ctx, "", s); err != nil {
			return fmt.Errorf("partner demo: supplier %s: %w", s.Code, err)
		}
	}
	page, err := svc.Customers(ctx, core.CustomerFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(page.Customers) == 0 {
		for _, c := range demoCustomers {
			if _, err := svc.CreateCustomer(ctx, c); err != nil {
				return fmt.Errorf("partner demo: customer %s: %w", c.Code, err)
			}
		}
	}
	fmt.Fprintf(log, "demo: partners: %d suppliers\n", len(demoSuppliers))
	return nil
}
