/*
 * The finance screens' script (internal/erp/finance). Pages ask for
 * behaviour with data- attributes, as app.js does:
 *
 *   data-confirm="…"   a button whose form submits only after the user agrees
 *   data-print         a button that prints the page (the voucher)
 *   data-entry-form    the journal-entry editor: running totals of debits and
 *                      credits, and [data-add-line] adds rows without a round trip
 *   data-invoice-form  the invoice editor: each line's total with VAT and the
 *                      invoice's, computed as the server does (half-up to the fen)
 */
(function () {
	"use strict";

	var doc = document;

	doc.addEventListener("click", function (ev) {
		var btn = ev.target.closest ? ev.target.closest("[data-confirm]") : null;
		if (btn && !window.confirm(btn.getAttribute("data-confirm"))) {
			ev.preventDefault();
			return;
		}
		if (ev.target.closest && ev.target.closest("[data-print]")) {
			window.print();
		}
	});

	// ---- journal-entry editor ----

	function cents(text) {
		var s = (text || "").replace(/[,\s，]/g, "");
		if (!/^\d+(\.\d{1,2})?$/.test(s)) {
			return s === "" ? 0 : NaN;
		}
		var parts = s.split(".");
		var frac = (parts[1] || "") + "00";
		return parseInt(parts[0], 10) * 100 + parseInt(frac.slice(0, 2), 10);
	}

	function format(c) {
		var neg = c < 0;
		c = Math.abs(c);
		var whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
		var frac = String(c % 100);
		if (frac.length < 2) {
			frac = "0" + frac;
		}
		return (neg ? "-" : "") + whole + "." + frac;
	}

	function totals(form) {
		var base = form.getAttribute("data-base");
		var debit = 0, credit = 0, mixed = false, bad = false;
		form.querySelectorAll("[data-line]").forEach(function (row) {
			var cur = row.querySelector("select[name$='.currency']");
			var d = cents(row.querySelector("input[name$='.debit']").value);
			var c = cents(row.querySelector("input[name$='.credit']").value);
			if (isNaN(d) || isNaN(c)) {
				bad = true;
				return;
			}
			if ((d || c) && cur && cur.value !== base) {
				mixed = true;
			}
			debit += d;
			credit += c;
		});
		var td = form.querySelector("[data-total-debit]");
		var tc = form.querySelector("[data-total-credit]");
		var note = form.querySelector("[data-balance-note]");
		if (!td || !tc) {
			return;
		}
		if (mixed || bad) {
			td.textContent = "";
			tc.textContent = "";
			if (note) {
				note.textContent = "";
			}
			return;
		}
		td.textContent = format(debit);
		tc.textContent = format(credit);
		if (note) {
			var diff = debit - credit;
			note.textContent = diff === 0 ? "" : "(" + format(diff) + ")";
			note.className = diff === 0 ? "muted" : "fin-unbalanced";
		}
	}

	function addLine(form) {
		var body = form.querySelector("[data-lines]");
		var rows = body.querySelectorAll("[data-line]");
		var last = rows[rows.length - 1];
		if (!last) {
			return;
		}
		var n = rows.length;
		var row = last.cloneNode(true);
		row.querySelectorAll("[data-field-error]").forEach(function (e) { e.remove(); });
		var gross = row.querySelector("[data-line-gross]");
		if (gross) {
			gross.textContent = "";
		}
		row.querySelectorAll("input, select, label").forEach(function (el) {
			["name", "id", "for", "aria-describedby"].forEach(function (attr) {
				var v = el.getAttribute(attr);
				if (v) {
					el.setAttribute(attr, v.replace(/lines\[\d+\]/, "lines[" + n + "]").replace(/lines-\d+-/, "lines-" + n + "-"));
				}
			});
			el.removeAttribute("aria-invalid");
			if (el.tagName === "INPUT") {
				el.value = "";
			}
		});
		var no = row.querySelector("[data-line-no]");
		if (no) {
			no.textContent = String(n + 1);
		}
		body.appendChild(row);
		var first = row.querySelector("input");
		if (first) {
			first.focus();
		}
	}

	// ---- invoice editor: exact decimals as BigInt millionths ----

	function micros(text) {
		var s = (text || "").replace(/[,\s，]/g, "");
		if (!/^\d+(\.\d{1,6})?$/.test(s)) {
			return null;
		}
		var parts = s.split(".");
		var frac = ((parts[1] || "") + "000000").slice(0, 6);
		return BigInt(parts[0]) * 1000000n + BigInt(frac);
	}

	// divRound divides a non-negative BigInt, rounding half up.
	function divRound(n, d) {
		return (n * 2n + d) / (2n * d);
	}

	function invoiceTotals(form) {
		var total = 0n, bad = false;
		form.querySelectorAll("[data-line]").forEach(function (row) {
			var cell = row.querySelector("[data-line-gross]");
			var q = micros(row.querySelector("input[name$='.quantity']").value);
			var p = micros(row.querySelector("input[name$='.unit_price']").value);
			var r = micros(row.querySelector("select[name$='.vat_rate']").value);
			if (q === null || p === null || r === null) {
				if (cell) {
					cell.textContent = "";
				}
				bad = bad || row.querySelector("input[name$='.quantity']").value !== "";
				return;
			}
			var net = divRound(q * p, 10000000000n); // millionths × millionths → fen
			var gross = net + divRound(net * r, 1000000n);
			total += gross;
			if (cell) {
				cell.textContent = format(Number(gross));
			}
		});
		var t = form.querySelector("[data-invoice-total]");
		if (t) {
			t.textContent = bad ? "" : format(Number(total));
		}
	}

	function wireInvoice(form) {
		if (form.getAttribute("data-wired")) {
			return;
		}
		form.setAttribute("data-wired", "1");
		form.addEventListener("input", function () { invoiceTotals(form); });
		form.addEventListener("change", function () { invoiceTotals(form); });
		var add = form.querySelector("[data-add-line]");
		if (add) {
			add.addEventListener("click", function (ev) {
				ev.preventDefault();
				addLine(form);
				invoiceTotals(form);
			});
		}
		invoiceTotals(form);
	}

	function wire(form) {
		if (form.getAttribute("data-wired")) {
			return;
		}
		form.setAttribute("data-wired", "1");
		form.addEventListener("input", function (ev) {
			var el = ev.target;
			if (el.name && /\.(debit|credit)$/.test(el.name) && el.value !== "") {
				// A line is a debit or a credit: typing one side clears the other.
				var other = el.name.replace(/(debit|credit)$/, function (m) { return m === "debit" ? "credit" : "debit"; });
				var o = form.querySelector("[name='" + other + "']");
				if (o) {
					o.value = "";
				}
			}
			totals(form);
		});
		form.addEventListener("change", function () { totals(form); });
		var add = form.querySelector("[data-add-line]");
		if (add) {
			add.addEventListener("click", function (ev) {
				ev.preventDefault();
				addLine(form);
			});
		}
		totals(form);
	}

	function start() {
		doc.querySelectorAll("[data-entry-form]").forEach(wire);
		doc.querySelectorAll("[data-invoice-form]").forEach(wireInvoice);
	}

	if (doc.readyState === "loading") {
		doc.addEventListener("DOMContentLoaded", start);
	} else {
		start();
	}
})();
