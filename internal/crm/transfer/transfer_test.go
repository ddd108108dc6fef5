package transfer_test

import (
	"bytes"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/loom-erp/loom/internal/crm/customer"
	"github.com/loom-erp/loom/internal/crm/internal/crmtest"
	"github.com/loom-erp/loom/internal/crm/lead"
	"github.com/loom-erp/loom/internal/crm/transfer"
	"github.com/loom-erp/loom/internal/loomtest"
	"github.com/loom-erp/loom/internal/platform/apperr"
	"github.com/loom-erp/loom/internal/platform/db"
	"github.com/loom-erp/loom/internal/platform/i18n"
)

// xlsx writes rows (the first holds the headings) to an Excel file.
func xlsx(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func svc(e *crmtest.Env) transfer.Service { return e.Service(transfer.ServiceName).(transfer.Service) }

// problemsAt lists the rows with problems and the columns named.
func problemsAt(rep *transfer.Report) string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, strings.TrimSpace(strconv.Itoa(p.Row)+" "+p.Column))
	}
	return strings.Join(out, "; ")
}

func TestMessages(t *testing.T) {
	if err := i18n.Verify(); err != nil {
		t.Fatal(err)
	}
}

// accountsFile has five customers; rows 3, 5 and 6 are bad.
func accountsFile(t *testing.T) []byte {
	return xlsx(t,
		[]string{"公司名称 *", "客户等级", "所属行业", "手机", "电子邮箱", "负责人", "邮编", "详细地址"},
		[]string{"宁波北仑压铸件有限公司", "A", "汽车零部件", "13857409999", "buyer@bl-diecast.example.cn", "", "315800", "大港工业城 8 号"},
		[]string{"", "B", "", "", "", "", "", ""},
		[]string{"慈溪电机配件厂", "c", "electrical", "13900001111", "", "li.lei", "", ""},
		[]string{"余姚灯具厂", "D", "照明", "", "not-an-email", "", "", ""},
		[]string{"奉化汽配有限公司", "B", "火箭", "", "", "nobody.here", "31", "溪口镇 1 号"},
	)
}

func TestImportReportsEveryBadRowAndWritesNothing(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		rep := crmtest.Ctx(crmtest.RepA)
		up, err := s.Upload(rep, transfer.KindAccounts, "客户.xlsx", accountsFile(t))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(up.Mapping, ",") != "name,level,industry,mobile,email,owner_id,addresses[0].postcode,addresses[0].street" {
			t.Fatalf("mapped %v", up.Mapping)
		}
		if up.Rows != 5 || up.Good != 2 {
			t.Fatalf("%d rows, %d good: %s %+v", up.Rows, up.Good, problemsAt(up), up.Problems)
		}
		want := "3 公司名称 *; 5 客户等级; 5 电子邮箱; 6 所属行业; 6 负责人; 6 邮编"
		if got := problemsAt(up); got != want {
			t.Fatalf("problems at %q, want %q", got, want)
		}
		for _, p := range up.Problems {
			if p.Key == "" || p.Message == "" {
				t.Errorf("problem without a reason: %+v", p)
			}
		}
		if e.Count("crm_account") != 0 || len(e.Events(customer.EventUpserted)) != 0 {
			t.Fatal("checking wrote customers")
		}
		// Importing all rows is refused while any is bad; nothing is written.
		if _, err := s.Run(rep, up.ID, transfer.ModeAll); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("import all with bad rows: %v", err)
		}
		if e.Count("crm_account") != 0 || e.Count("crm_import", "status = 'done'") != 0 {
			t.Fatal("a refused import wrote something")
		}
		// Another user cannot see the upload.
		if _, err := s.Get(crmtest.Ctx(crmtest.RepB), up.ID); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Fatalf("another user opens the upload: %v", err)
		}
		// The good rows only.
		done, err := s.Run(rep, up.ID, transfer.ModeGood)
		if err != nil || done.Imported != 2 || done.Status != transfer.StatusDone {
			t.Fatalf("import the good rows: %+v %v", done, err)
		}
		if e.Count("crm_account") != 2 || len(e.Events(customer.EventUpserted)) != 2 || e.Audited("crm.import.done") != 1 {
			t.Fatal("the good rows are not written, emitted and audited")
		}
		page, _ := e.Service(customer.ServiceName).(customer.Service).List(rep, customer.Filter{Query: "慈溪"})
		if len(page.Items) != 1 || page.Items[0].Level != customer.LevelC || page.Items[0].Industry != "electrical" || page.Items[0].OwnerID != crmtest.RepA.UserID {
			t.Fatalf("imported %+v", page.Items)
		}
		if _, err := s.Run(rep, up.ID, transfer.ModeGood); !apperr.IsKind(err, apperr.KindPrecondition) {
			t.Fatalf("import twice: %v", err)
		}
		// Every row good: all of them go in.
		good := xlsx(t, []string{"Company name", "Code", "Level"}, []string{"杭州萧山铸造厂", "C900001", "B"}, []string{"绍兴柯桥机电", "C900002", ""})
		up2, err := s.Upload(rep, transfer.KindAccounts, "good.xlsx", good)
		if err != nil || up2.Good != 2 || len(up2.Problems) != 0 {
			t.Fatalf("good file: %+v %v", up2, err)
		}
		if done, err := s.Run(rep, up2.ID, transfer.ModeAll); err != nil || done.Imported != 2 {
			t.Fatalf("import all: %+v %v", done, err)
		}
		// A code used twice in one file, or already taken, is named.
		dup := xlsx(t, []string{"Company name", "Code"}, []string{"甲", "C900003"}, []string{"乙", "C900003"}, []string{"丙", "C900001"})
		chk, err := s.Import(rep, transfer.KindAccounts, dup, nil, transfer.ModeCheck)
		if err != nil || problemsAt(chk) != "3 Code; 4 Code" {
			t.Fatalf("duplicate codes: %s %v", problemsAt(chk), err)
		}
	})
}

func TestImportContactsAndLeads(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		cs := e.Service(customer.ServiceName).(customer.Service)
		mine, _ := cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波甬兴", Code: "C000777"})
		if _, err := cs.Create(crmtest.Ctx(crmtest.RepC), customer.AccountInput{Name: "深圳南山", Code: "C000888"}); err != nil {
			t.Fatal(err)
		}
		file := xlsx(t, []string{"Customer", "Name", "Mobile", "Primary contact"},
			[]string{"C000777", "周建国", "13857401234", "是"},
			[]string{"宁波甬兴", "林静", "", "no"},
			[]string{"C000888", "陈平", "", ""},
			[]string{"C000777", "王五", "123", "maybe"})
		rep, err := s.Import(crmtest.Ctx(crmtest.RepA), transfer.KindContacts, file, nil, transfer.ModeAll)
		if !apperr.IsKind(err, apperr.KindPrecondition) || problemsAt(rep) != "4 Customer; 5 Primary contact; 5 Mobile" {
			t.Fatalf("contacts: %s %v", problemsAt(rep), err)
		}
		if e.Count("crm_contact") != 0 {
			t.Fatal("a refused import wrote contacts")
		}
		rep, err = s.Import(crmtest.Ctx(crmtest.RepA), transfer.KindContacts, file, nil, transfer.ModeGood)
		if err != nil || rep.Imported != 2 {
			t.Fatalf("good contacts: %+v %v", rep, err)
		}
		cp, _ := cs.ListContacts(crmtest.Ctx(crmtest.RepA), customer.ContactFilter{AccountID: mine.ID})
		if len(cp.Items) != 2 || cp.Items[0].Name != "周建国" || !cp.Items[0].Primary {
			t.Fatalf("contacts %+v", cp.Items)
		}

		ls := e.Service(lead.ServiceName).(lead.Service)
		if _, err := ls.SaveCampaign(crmtest.Ctx(crmtest.Manager), lead.Campaign{Code: "expo-2026", Name: "压铸展", Source: "expo", Active: true}); err != nil {
			t.Fatal(err)
		}
		leads := xlsx(t, []string{"Company", "Contact", "Mobile", "Source", "Campaign", "Budget", "Owner"},
			[]string{"绍兴越城汽车零件有限公司", "潘涛", "13757501234", "展会", "expo-2026", "150,000", ""},
			[]string{"嘉兴南湖五金", "", "13600001111", "Referral", "", "", "zhao.min"},
			[]string{"湖州长兴电机", "", "13600002222", "广告牌", "nope", "abc", ""})
		rep, err = s.Import(crmtest.Ctx(crmtest.RepA), transfer.KindLeads, leads, nil, transfer.ModeCheck)
		if err != nil || problemsAt(rep) != "3 Owner; 4 Source; 4 Budget; 4 Campaign" {
			t.Fatalf("leads as a rep: %s %v", problemsAt(rep), err)
		}
		// The manager may give leads to the team.
		rep, err = s.Import(crmtest.Ctx(crmtest.Manager), transfer.KindLeads, leads[:], nil, transfer.ModeGood)
		if err != nil || rep.Imported != 2 {
			t.Fatalf("leads as a manager: %s %+v %v", problemsAt(rep), rep, err)
		}
		page, _ := ls.List(crmtest.Ctx(crmtest.Manager), lead.Filter{Query: "绍兴越城"})
		if len(page.Items) != 1 || page.Items[0].Source != "expo" || page.Items[0].Budget.String() != "150000.00" || page.Items[0].CampaignID == "" {
			t.Fatalf("imported lead %+v", page.Items)
		}
	})
}

func TestTemplateAndWeb(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		s := svc(e)
		for _, lang := range i18n.Langs() {
			for _, kind := range transfer.Kinds {
				data, err := s.Template(i18n.WithLang(crmtest.Ctx(crmtest.RepA), lang), kind)
				if err != nil {
					t.Fatal(err)
				}
				f, err := excelize.OpenReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := f.GetRows(f.GetSheetList()[0])
				f.Close()
				// A filled template maps every column by its heading.
				filled := xlsx(t, rows[0], make([]string, len(rows[0])))
				filled = xlsx(t, rows[0], append([]string{"x"}, make([]string, len(rows[0])-1)...))
				rep, err := s.Import(crmtest.Ctx(crmtest.RepA), kind, filled, nil, transfer.ModeCheck)
				if err != nil {
					t.Fatal(err)
				}
				for i, m := range rep.Mapping {
					if m == "" {
						t.Errorf("%s %s template: column %q not mapped", lang, kind, rep.Headings[i])
					}
				}
			}
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/import/template/accounts", ""); r.Status != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("template download: %d %s", r.Status, r.Header)
		}
		if r := e.Do(crmtest.Clerk, "GET", "/crm/import", ""); r.Status != 403 {
			t.Fatalf("a clerk opens the import: %d", r.Status)
		}

		// Upload through the page, see the three bad rows, import nothing.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("kind", "accounts")
		fw, _ := mw.CreateFormFile("file", "客户.xlsx")
		_, _ = fw.Write(accountsFile(t))
		_ = mw.Close()
		r := e.DoRaw(crmtest.RepA, "POST", "/crm/import", mw.FormDataContentType(), body.Bytes())
		if r.Status != 303 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		loc := r.Header.Get("Location")
		r = e.Do(crmtest.RepA, "GET", loc, "")
		for _, row := range []string{`data-row="3"`, `data-row="5"`, `data-row="6"`} {
			if !strings.Contains(r.Body, row) {
				t.Errorf("the report lacks %s", row)
			}
		}
		if strings.Contains(r.Body, `data-run="all"`) || !strings.Contains(r.Body, `data-run="good"`) {
			t.Error("importing every row is offered with bad rows")
		}
		if r := e.Do(crmtest.RepA, "POST", loc+"/run", "mode=all", true); r.Status != 412 || e.Count("crm_account") != 0 {
			t.Fatalf("run all: %d, %d written", r.Status, e.Count("crm_account"))
		}
		// Leave out the e-mail column: row 5 keeps only its level problem.
		form := "columns=8&map[0]=name&map[1]=level&map[2]=industry&map[3]=mobile&map[4]=&map[5]=owner_id&map[6]=addresses[0].postcode&map[7]=addresses[0].street"
		if r := e.Do(crmtest.RepA, "POST", loc+"/map", form, true); r.Status != 303 {
			t.Fatalf("map: %d %s", r.Status, r.Body)
		}
		r = e.Do(crmtest.RepA, "GET", loc, "")
		if strings.Contains(r.Body, `data-field="email"`) || !strings.Contains(r.Body, `data-field="level"`) {
			t.Error("the new mapping is not used")
		}
		if r := e.Do(crmtest.RepA, "POST", loc+"/run", "mode=good", true); r.Status != 303 || e.Count("crm_account") != 2 {
			t.Fatalf("run good: %d, %d written", r.Status, e.Count("crm_account"))
		}
		if r := e.Do(crmtest.RepA, "GET", "/crm/import", ""); !strings.Contains(r.Body, "客户.xlsx") {
			t.Error("the import is not among the recent ones")
		}
		// A file that is no Excel file.
		body.Reset()
		mw = multipart.NewWriter(&body)
		_ = mw.WriteField("kind", "leads")
		fw, _ = mw.CreateFormFile("file", "leads.csv")
		_, _ = fw.Write([]byte("company\n甲\n"))
		_ = mw.Close()
		if r := e.DoRaw(crmtest.RepA, "POST", "/crm/import", mw.FormDataContentType(), body.Bytes()); r.Status != 422 || !strings.Contains(r.Body, "not an Excel") {
			t.Fatalf("not an Excel file: %d %s", r.Status, r.Body)
		}

		// The API: check, then import all: 422 names every bad row, nothing written.
		r = e.DoRaw(crmtest.RepA, "POST", "/api/v1/crm/imports/accounts?mode=check", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", accountsFile(t))
		if r.Status != 200 || !strings.Contains(r.Body, `"good":2`) {
			t.Fatalf("API check: %d %s", r.Status, r.Body)
		}
		r = e.DoRaw(crmtest.RepA, "POST", "/api/v1/crm/imports/accounts?mode=all", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", accountsFile(t))
		for _, f := range []string{"rows[3].name", "rows[5].level", "rows[5].email", "rows[6].industry", "rows[6].owner_id", "rows[6].addresses[0].postcode"} {
			if !strings.Contains(r.Body, f) {
				t.Errorf("API import all: %d lacks %s: %s", r.Status, f, r.Body)
			}
		}
		if r.Status != 422 || e.Count("crm_account") != 2 {
			t.Fatalf("API import all: %d, %d written", r.Status, e.Count("crm_account"))
		}
		if r := e.Do(crmtest.RepB, "GET", "/api/v1/crm/imports/templates/leads", ""); r.Status != 200 || len(r.Body) < 1000 {
			t.Fatalf("API template: %d", r.Status)
		}
	})
}

// sheet reads the first sheet of an exported file.
func sheet(t *testing.T, body string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not an Excel file: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportsObeyScopesAndMasking(t *testing.T) {
	loomtest.Each(t, func(t *testing.T, cfg db.Config) {
		e := crmtest.Start(t, cfg)
		cs := e.Service(customer.ServiceName).(customer.Service)
		ls := e.Service(lead.ServiceName).(lead.Service)
		a, _ := cs.Create(crmtest.Ctx(crmtest.RepA), customer.AccountInput{Name: "宁波甬兴", Level: customer.LevelA, Mobile: "13857401234"})
		if _, err := cs.CreateContact(crmtest.Ctx(crmtest.RepA), a.ID, customer.ContactInput{Name: "周建国", Mobile: "13900001111"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Create(crmtest.Ctx(crmtest.RepB), customer.AccountInput{Name: "上海申达", Level: customer.LevelB, Mobile: "13916201234"}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Create(crmtest.Ctx(crmtest.RepC), customer.AccountInput{Name: "广州南沙", Mobile: "13802441234"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ls.Create(crmtest.Ctx(crmtest.RepA), lead.Input{Company: "绍兴越城", Mobile: "13757501234"}); err != nil {
			t.Fatal(err)
		}

		r := e.Do(crmtest.RepA, "GET", "/crm/accounts", "")
		if !strings.Contains(r.Body, `href="/crm/accounts/export"`) {
			t.Fatal("the list offers no export")
		}
		r = e.Do(crmtest.RepA, "GET", "/crm/accounts/export", "")
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d", r.Status)
		}
		rows := sheet(t, r.Body)
		if len(rows) != 2 || rows[0][1] != "Company name" || rows[1][1] != "宁波甬兴" || rows[1][8] != "13857401234" {
			t.Fatalf("rep's export %v", rows)
		}
		// The manager's export holds the team's customers, masked; filters apply.
		rows = sheet(t, e.Do(crmtest.Manager, "GET", "/crm/accounts/export?sort=code", "").Body)
		if len(rows) != 3 || rows[1][8] != "138****1234" || rows[2][8] != "139****1234" {
			t.Fatalf("manager's export %v", rows)
		}
		rows = sheet(t, e.Do(crmtest.Manager, "GET", "/crm/accounts/export?level=B", "").Body)
		if len(rows) != 2 || rows[1][1] != "上海申达" {
			t.Fatalf("filtered export %v", rows)
		}
		rows = sheet(t, e.Do(crmtest.Admin, "GET", "/crm/accounts/export", "").Body)
		if len(rows) != 4 {
			t.Fatalf("admin's export has %d rows", len(rows))
		}
		rows = sheet(t, e.Do(crmtest.RepB, "GET", "/crm/contacts/export", "").Body)
		if len(rows) != 1 {
			t.Fatalf("another rep exports contacts %v", rows)
		}
		rows = sheet(t, e.Do(crmtest.Manager, "GET", "/crm/contacts/export", "").Body)
		if len(rows) != 2 || rows[1][4] != "139****1111" {
			t.Fatalf("manager's contacts %v", rows)
		}
		rows = sheet(t, e.Do(crmtest.RepA, "GET", "/crm/leads/export", "").Body)
		if len(rows) != 2 || rows[1][1] != "绍兴越城" || rows[1][4] != "13757501234" {
			t.Fatalf("leads %v", rows)
		}
		if rows = sheet(t, e.Do(crmtest.RepB, "GET", "/crm/leads/export", "").Body); len(rows) != 1 {
			t.Fatalf("another rep's leads %v", rows)
		}
		for _, path := range []string{"/crm/accounts/export", "/crm/contacts/export", "/crm/leads/export", "/crm/opportunities/export", "/crm/quotes/export", "/crm/pool/export"} {
			r := e.Do(crmtest.RepA, "GET", path, "")
			if r.Status != 200 {
				t.Fatalf("%s: %d", path, r.Status)
			}
			for _, h := range sheet(t, r.Body)[0] {
				if strings.HasPrefix(h, "crm.") {
					t.Errorf("%s: heading %s is not translated", path, h)
				}
			}
		}
		if r := e.Do(crmtest.Clerk, "GET", "/crm/accounts/export", ""); r.Status != 403 {
			t.Fatalf("a clerk exports: %d", r.Status)
		}
		if r := e.Do(crmtest.Finance, "GET", "/crm/quotes/export", ""); r.Status != 403 {
			t.Fatalf("finance exports quotes: %d", r.Status)
		}
	})
}
