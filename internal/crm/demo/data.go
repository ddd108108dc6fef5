package demo

import (
	"context"
	"fmt"

	"github.com/loom-erp/loom/internal/crm/catalog"
	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/pipeline"
	"github.com/loom-erp/loom/internal/crm/quote"
	"github.com/loom-erp/loom/internal/platform/money"
)

// company is a demo customer: fictional auto-parts makers of East and
// South China, with the people the sales team deals with.
type company struct {
	name, short, level, industry, region, city, street, owner string
	contacts                                                  []person
	tags                                                      []string
}

type person struct{ name, title, mobile, email string }

var companies = []company{
	{"宁波甬兴汽车零部件有限公司", "甬兴汽配", "A", "automotive", "浙江", "宁波市", "北仑区大港工业城 18 号", "li.lei",
		[]person{{"周建国", "采购经理", "13857401234", "zhoujg@yongxing-auto.example.cn"}, {"林静", "质量工程师", "13957412345", "linjing@yongxing-auto.example.cn"}}, []string{"变速箱", "战略客户"}},
	{"上海申达动力部件有限公司", "申达动力", "A", "automotive", "上海", "上海市", "嘉定区安亭镇墨玉路 66 号", "zhao.min",
		[]person{{"陈伟", "供应链总监", "13916201234", "chenwei@shenda-power.example.cn"}}, []string{"新能源", "电驱壳体"}},
	{"苏州吴中精密机电有限公司", "吴中机电", "B", "electrical", "江苏", "苏州市", "吴中经济开发区旺山工业园 9 号", "li.lei",
		[]person{{"王磊", "采购主管", "13812601234", "wanglei@wuzhong-mech.example.cn"}}, []string{"电机端盖"}},
	{"杭州钱江电驱科技有限公司", "钱江电驱", "A", "energy", "浙江", "杭州市", "萧山区经济技术开发区建设二路 588 号", "zhao.min",
		[]person{{"赵丽", "采购经理", "13906521234", "zhaoli@qianjiang-ed.example.cn"}, {"孙浩", "研发经理", "13867421234", "sunhao@qianjiang-ed.example.cn"}}, []string{"新能源", "电驱壳体"}},
	{"常州龙城汽车配件有限公司", "龙城汽配", "B", "automotive", "江苏", "常州市", "武进区湖塘镇汽配城 3 号", "li.lei",
		[]person{{"刘洋", "采购", "13961201234", "liuyang@longcheng-ap.example.cn"}}, []string{"水泵"}},
	{"芜湖江南车桥有限公司", "江南车桥", "B", "automotive", "安徽", "芜湖市", "鸠江区经济开发区凤鸣湖北路 22 号", "zhao.min",
		[]person{{"吴强", "采购经理", "13805531234", "wuqiang@jn-axle.example.cn"}}, nil},
	{"台州椒江摩托车部件厂", "椒江摩配", "C", "motorcycle", "浙江", "台州市", "椒江区洪家街道工业园 12 号", "li.lei",
		[]person{{"郑凯", "厂长", "13705761234", "zhengkai@jiaojiang-moto.example.cn"}}, []string{"摩托车"}},
	{"广州南沙汽车电子有限公司", "南沙汽电", "B", "electronics", "广东", "广州市", "南沙区黄阁镇汽车城路 7 号", "zhao.min",
		[]person{{"黄敏", "采购经理", "13802441234", "huangmin@nansha-ae.example.cn"}}, []string{"电子外壳"}},
	{"无锡锡山液压件有限公司", "锡山液压", "C", "machinery", "江苏", "无锡市", "锡山区东港镇工业集中区 5 号", "li.lei",
		[]person{{"许东", "技术部经理", "13951501234", "xudong@xishan-hyd.example.cn"}}, nil},
	{"温州瓯海照明电器有限公司", "瓯海照明", "C", "lighting", "浙江", "温州市", "瓯海区经济开发区南白象 16 号", "zhao.min",
		[]person{{"叶青", "采购", "13857701234", "yeqing@ouhai-light.example.cn"}}, []string{"灯具散热器"}},
	{"合肥庐阳新能源汽车部件有限公司", "庐阳新能源", "A", "energy", "安徽", "合肥市", "经济技术开发区紫云路 88 号", "li.lei",
		[]person{{"马超", "采购总监", "13805511234", "machao@luyang-nev.example.cn"}, {"何芳", "SQE", "13966661234", "hefang@luyang-nev.example.cn"}}, []string{"新能源", "战略客户"}},
	{"南通通海船舶机械有限公司", "通海船机", "C", "machinery", "江苏", "南通市", "港闸区永兴大道 101 号", "zhao.min",
		[]person{{"高飞", "设备采购", "13912201234", "gaofei@tonghai-marine.example.cn"}}, nil},
	{"嘉兴秀洲电器有限公司", "秀洲电器", "B", "appliances", "浙江", "嘉兴市", "秀洲区洪合镇工业路 8 号", "li.lei",
		[]person{{"沈梅", "采购经理", "13857301234", "shenmei@xiuzhou-ea.example.cn"}}, []string{"家电"}},
	{"上海浦江通信设备有限公司", "浦江通信", "B", "telecom", "上海", "上海市", "松江区九亭镇涞寅路 1800 号", "zhao.min",
		[]person{{"朱军", "结构件采购", "13801901234", "zhujun@pujiang-tel.example.cn"}}, []string{"基站壳体"}},
	{"绍兴越城汽车零件有限公司", "越城汽零", "C", "automotive", "浙江", "绍兴市", "越城区袍江工业区 25 号", "li.lei",
		[]person{{"潘涛", "采购", "13757501234", "pantao@yuecheng-ap.example.cn"}}, nil},
	{"扬州广陵机械制造有限公司", "广陵机械", "C", "machinery", "江苏", "扬州市", "广陵区沙头镇工业园 2 号", "zhao.min",
		[]person{{"钱鹏", "采购", "13952701234", "qianpeng@guangling-mfg.example.cn"}}, nil},
	{"佛山顺德家电配件有限公司", "顺德配件", "B", "appliances", "广东", "佛山市", "顺德区北滘镇林港路 12 号", "li.lei",
		[]person{{"梁华", "采购经理", "13702861234", "lianghua@shunde-parts.example.cn"}}, []string{"家电"}},
	{"湖州南浔电机有限公司", "南浔电机", "B", "electrical", "浙江", "湖州市", "南浔区练市镇工业园 6 号", "zhao.min",
		[]person{{"蒋涛", "采购经理", "13867201234", "jiangtao@nanxun-motor.example.cn"}}, []string{"电机端盖"}},
	{"徐州彭城工程机械配件有限公司", "彭城工程机械", "C", "machinery", "江苏", "徐州市", "经济技术开发区高新路 39 号", "li.lei",
		[]person{{"韩冰", "采购", "13952201234", "hanbing@pengcheng-cm.example.cn"}}, nil},
	{"重庆渝北汽车部件有限公司", "渝北汽配", "A", "automotive", "重庆", "重庆市", "渝北区空港工业园 11 号", "zhao.min",
		[]person{{"冉刚", "采购总监", "13908301234", "rangang@yubei-ap.example.cn"}}, []string{"变速箱"}},
	{"武汉东湖光电有限公司", "东湖光电", "C", "electronics", "湖北", "武汉市", "东湖新技术开发区光谷大道 77 号", "li.lei",
		[]person{{"程亮", "采购", "13907101234", "chengliang@donghu-oe.example.cn"}}, nil},
	{"金华婺城五金制品有限公司", "婺城五金", "C", "construction", "浙江", "金华市", "婺城区白龙桥镇临江工业园 4 号", "zhao.min",
		[]person{{"方明", "老板", "13757901234", "fangming@wucheng-hw.example.cn"}}, nil},
	{"镇江丹徒汽车配件有限公司", "丹徒汽配", "B", "automotive", "江苏", "镇江市", "丹徒区新城谷阳大道 15 号", "li.lei",
		[]person{{"任杰", "采购经理", "13952801234", "renjie@dantu-ap.example.cn"}}, nil},
	{"厦门海沧医疗器械有限公司", "海沧医疗", "C", "medical", "福建", "厦门市", "海沧区新阳工业区 30 号", "zhao.min",
		[]person{{"苏琳", "采购", "13906001234", "sulin@haicang-med.example.cn"}}, nil},
	{"上海临港新能源科技有限公司", "临港新能源", "A", "energy", "上海", "上海市", "浦东新区临港新片区云汉路 979 号", "wang.fang",
		[]person{{"邓佳", "采购总监", "13601701234", "dengjia@lingang-nev.example.cn"}}, []string{"新能源", "战略客户"}},
	{"江苏长江汽车集团有限公司", "长江汽车集团", "A", "automotive", "江苏", "南京市", "江宁区秣陵街道将军大道 100 号", "wang.fang",
		[]person{{"谢冬", "集团采购部部长", "13905101234", "xiedong@cj-auto.example.cn"}}, []string{"集团客户"}},
	{"宁波杭州湾汽车贸易有限公司", "杭州湾汽贸", "C", "trading", "浙江", "宁波市", "杭州湾新区滨海二路 8 号", "wang.fang",
		[]person{{"孔磊", "经理", "13957401234", "konglei@hzb-trade.example.cn"}}, nil},
	{"青岛黄岛汽车零部件有限公司", "黄岛汽零", "B", "automotive", "山东", "青岛市", "黄岛区前湾港路 57 号", "zhao.min",
		[]person{{"曲波", "采购经理", "13806421234", "qubo@huangdao-ap.example.cn"}}, nil},
	{"天津滨海汽车配件有限公司", "滨海汽配", "C", "automotive", "天津", "天津市", "滨海新区开发区第十一大街 27 号", "li.lei",
		[]person{{"付强", "采购", "13602201234", "fuqiang@binhai-ap.example.cn"}}, nil},
	{"成都天府电驱系统有限公司", "天府电驱", "B", "energy", "四川", "成都市", "龙泉驿区经开区车城东七路 99 号", "zhao.min",
		[]person{{"罗敏", "采购经理", "13808001234", "luomin@tianfu-eds.example.cn"}}, []string{"新能源"}},
}

// children of 江苏长江汽车集团 (the last A-level group customer).
var subsidiaries = []company{
	{"南京长江变速器有限公司", "长江变速器", "A", "automotive", "江苏", "南京市", "江宁区天元西路 28 号", "wang.fang",
		[]person{{"邵阳", "采购经理", "13905111234", "shaoyang@cj-trans.example.cn"}}, []string{"集团客户", "变速箱"}},
	{"扬州长江汽车底盘有限公司", "长江底盘", "B", "automotive", "江苏", "扬州市", "邗江区汊河街道 6 号", "li.lei",
		[]person{{"包勇", "采购", "13952711234", "baoyong@cj-chassis.example.cn"}}, []string{"集团客户"}},
}

// accounts creates the customers (scale times), their contacts and groups.
func (s *services) accounts(ctx context.Context, scale int) ([]*customer.Account, error) {
	var out []*customer.Account
	for round := range scale {
		for i, c := range companies {
			name, mobile, email := c.name, "", ""
			if len(c.contacts) > 0 {
				mobile, email = c.contacts[0].mobile, c.contacts[0].email
			}
			if round > 0 {
				name, mobile, email = fmt.Sprintf("%s（%d 分厂）", c.name, round+1), "", ""
			}
			in := customer.AccountInput{Name: name, ShortName: c.short, Level: customer.Level(c.level), Industry: c.industry, Region: c.region,
				OwnerID: s.people[c.owner], Tags: c.tags, Currency: "CNY", Mobile: mobile, Email: email, Phone: fmt.Sprintf("0574-8%03d%04d", i, 1000+round),
				Website: fmt.Sprintf("https://www.example.cn/c%02d", i),
				Addresses: []customer.Address{
					{Kind: customer.AddressBilling, Province: c.region, City: c.city, Street: c.street},
					{Kind: customer.AddressShipping, Province: c.region, City: c.city, Street: c.street + " 收货仓", Recipient: firstContact(c), Phone: c.contacts[0].mobile},
				}}
			acc, err := s.customers.Create(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("crm demo: customer %s: %w", name, err)
			}
			for j, p := range c.contacts {
				m, e := p.mobile, p.email
				if round > 0 {
					m, e = "", ""
				}
				if _, err := s.customers.CreateContact(ctx, acc.ID, customer.ContactInput{Name: p.name, Title: p.title, Mobile: m, Email: e,
					Primary: j == 0}); err != nil {
					return nil, fmt.Errorf("crm demo: contact %s: %w", p.name, err)
				}
			}
			out = append(out, acc)
		}
	}
	group := out[len(companies)-5] // 江苏长江汽车集团
	for _, c := range subsidiaries {
		acc, err := s.customers.Create(ctx, customer.AccountInput{Name: c.name, ShortName: c.short, Level: customer.Level(c.level),
			Industry: c.industry, Region: c.region, OwnerID: s.people[c.owner], Tags: c.tags, ParentID: group.ID,
			Addresses: []customer.Address{{Kind: customer.AddressBilling, Province: c.region, City: c.city, Street: c.street}}})
		if err != nil {
			return nil, fmt.Errorf("crm demo: customer %s: %w", c.name, err)
		}
		for _, p := range c.contacts {
			if _, err := s.customers.CreateContact(ctx, acc.ID, customer.ContactInput{Name: p.name, Title: p.title, Mobile: p.mobile, Email: p.email}); err != nil {
				return nil, err
			}
		}
		out = append(out, acc)
	}
	// A few customers nobody follows up wait in the pool, to be claimed.
	for _, c := range pooled {
		acc, err := s.customers.Create(ctx, customer.AccountInput{Name: c.name, ShortName: c.short, Level: customer.Level(c.level),
			Industry: c.industry, Region: c.region, Tags: c.tags, Mobile: c.contacts[0].mobile, Email: c.contacts[0].email,
			Addresses: []customer.Address{{Kind: customer.AddressBilling, Province: c.region, City: c.city, Street: c.street}}})
		if err != nil {
			return nil, fmt.Errorf("crm demo: customer %s: %w", c.name, err)
		}
		for _, p := range c.contacts {
			if _, err := s.customers.CreateContact(ctx, acc.ID, customer.ContactInput{Name: p.name, Title: p.title, Mobile: p.mobile, Email: p.email}); err != nil {
				return nil, err
			}
		}
	}
	fmt.Fprintf(s.log, "crm demo: %d customers, %d in the pool\n", len(out), len(pooled))
	return out, nil
}

// pooled are customers in the pool: nobody owns them.
var pooled = []company{
	{"泰州海陵阀门铸造有限公司", "海陵阀门", "C", "machinery", "江苏", "泰州市", "海陵区城东工业园 3 号", "",
		[]person{{"顾建", "采购", "13952601234", "gujian@hailing-valve.example.cn"}}, []string{"阀门"}},
	{"丽水莲都电动工具有限公司", "莲都电动工具", "C", "electrical", "浙江", "丽水市", "莲都区南明山街道工业园 15 号", "",
		[]person{{"毛伟", "采购经理", "13857801234", "maowei@liandu-tools.example.cn"}}, []string{"电动工具"}},
	{"东莞长安五金压铸厂", "长安五金", "B", "construction", "广东", "东莞市", "长安镇乌沙工业区 21 号", "",
		[]person{{"钟丽", "老板", "13802691234", "zhongli@changan-hw.example.cn"}}, nil},
}

func firstContact(c company) string {
	if len(c.contacts) > 0 {
		return c.contacts[0].name
	}
	return ""
}

// leadsAndCampaigns creates two campaigns, the assignment rules and leads
// in every status, two of them duplicates of a customer.
func (s *services) leadsAndCampaigns(ctx context.Context, scale int) error {
	expo, err := s.leads.SaveCampaign(ctx, lead.Campaign{Code: "expo-2026", Name: "2026 上海国际压铸展", Source: "expo", Active: true,
		Title: "预约 2026 上海压铸展洽谈", Intro: "我们在 E3 馆 3215 展位展出新能源电驱壳体与变速箱壳体。留下联系方式，我们的销售会与您约定洽谈时间。",
		ThankYou: "谢谢！我们的销售会在两个工作日内与您联系。"})
	if err != nil {
		return err
	}
	web, err := s.leads.SaveCampaign(ctx, lead.Campaign{Code: "website", Name: "官网询价", Source: "web_form", Active: true,
		Title: "压铸件询价 / Request a quote", ThankYou: "谢谢您的询价，我们会尽快回复。Thank you, we will answer soon."})
	if err != nil {
		return err
	}
	if _, err := s.leads.SaveRule(ctx, lead.Rule{Seq: 1, Name: "华东大区", Kind: lead.RuleRegion, Match: "浙江, 江苏, 上海, 安徽",
		Members: []string{s.people["li.lei"], s.people["zhao.min"]}, Active: true}); err != nil {
		return err
	}
	if _, err := s.leads.SaveRule(ctx, lead.Rule{Seq: 2, Name: "其他地区", Kind: lead.RuleAny, Members: []string{s.people["zhao.min"]}, Active: true}); err != nil {
		return err
	}
	type lx struct {
		company, contact, mobile, email, region, product, source, campaign, status, budget string
	}
	base := []lx{
		{"绍兴柯桥纺织机械有限公司", "陆平", "13757511111", "", "浙江", "机架铸件", "expo", expo.ID, "new", "80000"},
		{"泰州海陵电动车有限公司", "丁伟", "13952611112", "dingwei@hailing-ev.example.cn", "江苏", "电机端盖", "expo", expo.ID, "contacted", "150000"},
		{"宁波甬兴汽车零部件", "周工", "13857401234", "", "浙江", "变速箱壳体改型", "web_form", web.ID, "new", ""},
		{"东莞长安五金电子厂", "邹明", "13602691113", "zouming@changan-hw.example.cn", "广东", "电子外壳", "web_form", web.ID, "qualified", "60000"},
		{"上海金山精密铸造有限公司", "顾晓", "13601651114", "", "上海", "外协加工", "referral", "", "contacted", ""},
		{"南昌洪都摩托车配件厂", "熊涛", "13907911115", "", "江西", "摩托车缸头", "phone", "", "disqualified", "20000"},
		{"杭州余杭智能家居有限公司", "俞婷", "13858011116", "yuting@yuhang-home.example.cn", "浙江", "散热器", "advert", "", "new", "30000"},
		{"昆山开发区汽车电子有限公司", "冯涛", "13915611117", "fengtao@ks-ae.example.cn", "江苏", "水泵壳体", "expo", expo.ID, "qualified", "220000"},
		{"合肥新站新能源科技有限公司", "章磊", "13956011118", "", "安徽", "电驱壳体", "email", "", "new", "500000"},
		{"深圳宝安通讯结构件厂", "卢斌", "13802811119", "lubin@baoan-tel.example.cn", "广东", "基站壳体", "web_form", web.ID, "contacted", "90000"},
	}
	for round := range scale {
		for i, l := range base {
			company := l.company
			mobile := l.mobile
			if round > 0 {
				company = fmt.Sprintf("%s %d", l.company, round+1)
				mobile = fmt.Sprintf("137%08d", round*100+i)
			}
			in := lead.Input{Company: company, ContactName: l.contact, Mobile: mobile, Email: l.email, Region: l.region, ProductInterest: l.product,
				Source: l.source, CampaignID: l.campaign, Currency: "CNY"}
			if l.budget != "" {
				in.Budget = money.MustAmount(l.budget)
			}
			created, err := s.leads.Create(ctx, in)
			if err != nil {
				return fmt.Errorf("crm demo: lead %s: %w", company, err)
			}
			switch l.status {
			case "contacted", "qualified":
				if _, err := s.leads.SetStatus(ctx, created.ID, lead.Status(l.status), "", 0); err != nil {
					return err
				}
			case "disqualified":
				if _, err := s.leads.SetStatus(ctx, created.ID, lead.StatusDisqualified, "只需要 200 件以内的小批量，不符合我们的最小批量", 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// products are the ERP items the demo prices, by code, when ERP sent them.
func (s *services) products(ctx context.Context) map[string]*catalog.Item {
	out := map[string]*catalog.Item{}
	for _, code := range []string{"FG-GBH-001", "FG-MEC-002", "FG-PMB-003", "SV-MACH"} {
		if it, err := s.items.ItemByCode(ctx, code); err == nil && it.Usable() {
			out[code] = it
		}
	}
	return out
}

// opportunities puts deals into every stage, and some won and lost.
func (s *services) opportunities(ctx context.Context, accounts []*customer.Account, items map[string]*catalog.Item, scale int) ([]*pipeline.Opportunity, error) {
	pipe, err := s.pipelines.DefaultPipeline(ctx)
	if err != nil {
		return nil, err
	}
	var open []pipeline.Stage
	for _, st := range pipe.Stages {
		if st.Kind == pipeline.StageOpen {
			open = append(open, st)
		}
	}
	deals := []struct {
		name, code, qty, amount string
		months                  int
	}{
		{"变速箱壳体 2026 年度框架", "FG-GBH-001", "12000", "3216000", 3},
		{"电驱壳体新项目打样", "FG-PMB-003", "200", "82400", 1},
		{"电机端盖二供导入", "FG-MEC-002", "30000", "2595000", 2},
		{"水泵壳体年度订单", "FG-PMB-003", "5000", "2060000", 4},
		{"CNC 精加工外协", "SV-MACH", "800", "144000", 1},
		{"端盖降本替代", "FG-MEC-002", "8000", "692000", 2},
		{"壳体模具改型", "FG-GBH-001", "1500", "402000", 5},
	}
	var out []*pipeline.Opportunity
	n := 0
	for round := range scale {
		for i, acc := range accounts {
			if i%5 == 4 {
				continue // not every customer has a deal going
			}
			d := deals[n%len(deals)]
			in := pipeline.OpportunityInput{Name: d.name, AccountID: acc.ID, StageID: open[n%len(open)].ID, OwnerID: acc.OwnerID,
				CloseDate: s.date(20 + (n%6)*30), Source: "demo", Currency: "CNY"}
			if round > 0 {
				in.Name = fmt.Sprintf("%s（%d）", d.name, round+1)
			}
			if it, ok := items[d.code]; ok {
				in.Lines = []pipeline.LineInput{{ItemID: it.ID, Quantity: money.MustQuantity(d.qty)}}
			} else {
				in.Amount = money.MustAmount(d.amount)
			}
			o, err := s.pipelines.Create(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("crm demo: deal %s: %w", in.Name, err)
			}
			switch n % 9 {
			case 7:
				o, err = s.pipelines.Win(ctx, o.ID, "价格与交期均满足客户要求")
			case 8:
				o, err = s.pipelines.Lose(ctx, o.ID, "客户选择了本地供应商，运费更低")
			}
			if err != nil {
				return nil, err
			}
			out = append(out, o)
			n++
		}
	}
	fmt.Fprintf(s.log, "crm demo: %d opportunities\n", len(out))
	return out, nil
}

// prices sets an A-level price list with quantity breaks and one
// customer's own price.
func (s *services) prices(ctx context.Context, accounts []*customer.Account, items map[string]*catalog.Item) error {
	pl := quote.PriceList{Name: "A 级客户价格表 2026", Level: "A", Currency: "CNY", Active: true}
	for code, it := range items {
		if code == "SV-MACH" {
			continue
		}
		list := it.ListPrice
		p98, _ := list.Decimal().Mul(money.MustRate("0.98").Decimal())
		p96, _ := list.Decimal().Mul(money.MustRate("0.96").Decimal())
		a, _ := money.UnitPriceFromDecimal(p98, money.RoundHalfUp)
		b, _ := money.UnitPriceFromDecimal(p96, money.RoundHalfUp)
		pl.Prices = append(pl.Prices, quote.PriceRule{ItemID: it.ID, UnitPrice: a}, quote.PriceRule{ItemID: it.ID, MinQty: money.MustQuantity("1000"), UnitPrice: b})
	}
	if _, err := s.quotes.SavePriceList(ctx, pl); err != nil {
		return fmt.Errorf("crm demo: price list: %w", err)
	}
	if it, ok := items["FG-GBH-001"]; ok {
		if _, err := s.quotes.SetCustomerPrice(ctx, quote.CustomerPrice{AccountID: accounts[0].ID, ItemID: it.ID, Currency: "CNY",
			MinQty: money.MustQuantity("5000"), UnitPrice: money.MustUnitPrice("249.5")}); err != nil {
			return fmt.Errorf("crm demo: customer price: %w", err)
		}
	}
	return nil
}

// demoQuotes makes quotes in each status: a draft, one waiting for a
// discount approval, an approved one, a sent one and an accepted one.
func (s *services) demoQuotes(ctx context.Context, accounts []*customer.Account, opps []*pipeline.Opportunity, items map[string]*catalog.Item) error {
	pick := func(codes ...string) []quote.LineInput {
		var out []quote.LineInput
		for i, c := range codes {
			if it, ok := items[c]; ok {
				out = append(out, quote.LineInput{ItemID: it.ID, Quantity: money.MustQuantity([]string{"1200", "3000", "500"}[i%3])})
			}
		}
		return out
	}
	type qx struct {
		account int
		codes   []string
		disc    string
		steps   []string
	}
	plan := []qx{
		{0, []string{"FG-GBH-001", "FG-MEC-002"}, "", nil},
		{1, []string{"SV-MACH"}, "0.12", []string{"submit"}},
		{3, []string{"FG-MEC-002"}, "", []string{"submit"}},
		{10, []string{"FG-GBH-001", "FG-PMB-003"}, "0.05", []string{"submit", "send"}},
		{19, []string{"FG-GBH-001"}, "", []string{"submit", "send", "accept"}},
	}
	for _, p := range plan {
		if p.account >= len(accounts) {
			continue
		}
		acc := accounts[p.account]
		lines := pick(p.codes...)
		if len(lines) == 0 {
			continue
		}
		if p.disc != "" {
			lines[0].Discount = money.MustRate(p.disc)
		}
		in := quote.Input{AccountID: acc.ID, Lines: lines, RequestedDate: s.date(45), PaymentTerms: "月结 60 天"}
		for _, o := range opps {
			if o.AccountID == acc.ID && o.Status == pipeline.StatusOpen {
				in.OpportunityID = o.ID
				break
			}
		}
		q, err := s.quotes.Create(ctx, in)
		if err != nil {
			return fmt.Errorf("crm demo: quote for %s: %w", acc.Name, err)
		}
		for i, step := range p.steps {
			switch step {
			case "submit":
				q, err = s.quotes.Submit(ctx, q.ID, 0)
				if err == nil && q.Status == quote.StatusPending && i < len(p.steps)-1 {
					// With ERP's stock and credit a quote that goes further
					// may need approvals first: the approvers said yes.
					err = s.approveAll(ctx, q.ID)
				}
			case "send":
				_, err = s.quotes.Send(ctx, q.ID)
			case "accept":
				_, err = s.quotes.Accept(ctx, q.ID)
			}
			if err != nil {
				return fmt.Errorf("crm demo: quote %s %s: %w", q.Number, step, err)
			}
		}
	}
	fmt.Fprintln(s.log, "crm demo: quotes in every status")
	return nil
}

// approveAll approves every pending approval of a quote.
func (s *services) approveAll(ctx context.Context, quoteID string) error {
	aps, err := s.quotes.Approvals(ctx, quoteID)
	if err != nil {
		return err
	}
	for _, a := range aps {
		if a.Status != quote.ApprovalPending {
			continue
		}
		if _, err := s.quotes.Decide(ctx, a.ID, true, "同意 / approved"); err != nil {
			return err
		}
	}
	return nil
}
