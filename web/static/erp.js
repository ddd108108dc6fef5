/*
 * Behaviour of the ERP supply screens, asked for with data- attributes (the
 * Content-Security-Policy forbids inline scripts):
 *
 *   data-scan     a field a keyboard-wedge barcode scanner types into. The
 *                 scanner ends each code with Enter: that moves on to the next
 *                 empty scan field of the form, or submits the form when every
 *                 scan field after it is filled.
 *   data-print    a button that prints the page.
 *
 * On a page, or content htmx swaps in, the first empty scan field gets the
 * focus, so a clerk can scan at once. Once wired, the script marks the page
 * with data-erp-ready on <html>.
 */
(function () {
	"use strict";

	var doc = document;

	function scanFields(form) {
		return Array.prototype.filter.call(form.elements, function (el) {
			return el.hasAttribute("data-scan") && !el.disabled && !el.readOnly;
		});
	}

	doc.addEventListener("keydown", function (ev) {
		var el = ev.target;
		if (ev.key !== "Enter" || !el || !el.hasAttribute || !el.hasAttribute("data-scan") || !el.form) {
			return;
		}
		ev.preventDefault();
		var list = scanFields(el.form);
		var i = list.indexOf(el);
		for (var j = i + 1; j < list.length; j++) {
			if (!list[j].value) {
				list[j].focus();
				return;
			}
		}
		if (el.form.requestSubmit) {
			el.form.requestSubmit();
		} else {
			el.form.submit();
		}
	});

	// Some keyboards deliver Enter as a keypress as well; the form must not
	// also submit itself the browser's way.
	doc.addEventListener("keypress", function (ev) {
		var el = ev.target;
		if (ev.key === "Enter" && el && el.hasAttribute && el.hasAttribute("data-scan")) {
			ev.preventDefault();
		}
	});

	doc.addEventListener("click", function (ev) {
		var btn = ev.target && ev.target.closest ? ev.target.closest("[data-print]") : null;
		if (btn) {
			ev.preventDefault();
			window.print();
		}
	});

	function focusScan(root) {
		if (!root || !root.querySelectorAll) {
			return;
		}
		var all = root.querySelectorAll("input[data-scan]");
		for (var i = 0; i < all.length; i++) {
			if (!all[i].value) {
				all[i].focus();
				return;
			}
		}
	}

	doc.addEventListener("htmx:load", function (ev) {
		focusScan(ev.target);
	});

	function start() {
		focusScan(doc.body);
		doc.documentElement.setAttribute("data-erp-ready", "");
	}

	if (doc.readyState === "loading") {
		doc.addEventListener("DOMContentLoaded", start);
	} else {
		start();
	}
})();
