/*
 * Loom's own browser script: the few behaviours that server-rendered pages
 * need on top of htmx. The Content-Security-Policy forbids inline scripts and
 * style attributes, so pages ask for behaviour with data- attributes and this
 * file wires it, for the first page and for content htmx swaps in later:
 *
 *   data-nav-toggle        the menu button that opens the side navigation on a phone
 *   data-autosubmit        a field whose form submits when its value changes
 *   data-dismiss           a button that removes its closest .flash message
 *   data-chart='{…}'       an element drawn as an ECharts chart from that JSON option
 *
 * htmx reads its settings from <meta name="htmx-config"> in the layout.
 */
(function () {
	"use strict";

	var doc = document;
	doc.documentElement.classList.add("js");

	function closest(target, selector) {
		return target && target.closest ? target.closest(selector) : null;
	}

	// ---- side navigation on phones ----

	function setNav(open) {
		doc.body.classList.toggle("nav-open", open);
		doc.querySelectorAll("[data-nav-toggle]").forEach(function (btn) {
			btn.setAttribute("aria-expanded", open ? "true" : "false");
		});
	}

	doc.addEventListener("click", function (ev) {
		if (closest(ev.target, "[data-nav-toggle]")) {
			setNav(!doc.body.classList.contains("nav-open"));
			return;
		}
		// Following a link in the open navigation closes it.
		if (doc.body.classList.contains("nav-open") && closest(ev.target, ".sidenav a")) {
			setNav(false);
		}
	});

	// ---- menus built on <details>: close on a click elsewhere or on Escape ----

	function closeMenus(except) {
		doc.querySelectorAll("details.menu[open]").forEach(function (d) {
			if (d !== except) {
				d.removeAttribute("open");
			}
		});
	}

	doc.addEventListener("click", function (ev) {
		closeMenus(closest(ev.target, "details.menu"));
	});

	doc.addEventListener("keydown", function (ev) {
		if (ev.key !== "Escape") {
			return;
		}
		closeMenus(null);
		if (doc.body.classList.contains("nav-open")) {
			setNav(false);
		}
	});

	// ---- forms that submit when a field changes (filters, page size, language) ----

	doc.addEventListener("change", function (ev) {
		var field = closest(ev.target, "[data-autosubmit]");
		var form = field && field.form;
		if (!form) {
			return;
		}
		if (form.requestSubmit) {
			form.requestSubmit();
		} else {
			form.submit();
		}
	});

	// ---- dismissible flash messages ----

	doc.addEventListener("click", function (ev) {
		var btn = closest(ev.target, "[data-dismiss]");
		var box = btn && closest(btn, ".flash");
		if (box) {
			box.remove();
		}
	});

	// ---- charts from data-chart JSON ----

	var resizer = typeof ResizeObserver === "function"
		? new ResizeObserver(function (entries) {
			entries.forEach(function (entry) {
				var chart = window.echarts && window.echarts.getInstanceByDom(entry.target);
				if (chart) {
					chart.resize();
				}
			});
		})
		: null;

	function chartLocale() {
		return (doc.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN";
	}

	function drawChart(el) {
		var echarts = window.echarts;
		if (!echarts || echarts.getInstanceByDom(el)) {
			return;
		}
		var option;
		try {
			option = JSON.parse(el.getAttribute("data-chart"));
		} catch (err) {
			el.classList.add("chart-error");
			console.error("Loom: data-chart is not valid JSON", el, err);
			return;
		}
		var chart = echarts.init(el, null, { renderer: "canvas", locale: chartLocale() });
		chart.setOption(option);
		if (resizer) {
			resizer.observe(el);
		}
	}

	function drawCharts(root) {
		if (!root || !root.querySelectorAll) {
			return;
		}
		if (root.matches && root.matches("[data-chart]")) {
			drawChart(root);
		}
		root.querySelectorAll("[data-chart]").forEach(drawChart);
	}

	if (!resizer) {
		window.addEventListener("resize", function () {
			doc.querySelectorAll("[data-chart]").forEach(function (el) {
				var chart = window.echarts && window.echarts.getInstanceByDom(el);
				if (chart) {
					chart.resize();
				}
			});
		});
	}

	// htmx fires htmx:load for the page and for every piece of content it swaps in.
	doc.addEventListener("htmx:load", function (ev) {
		drawCharts(ev.target);
	});

	// Free a chart's canvas and listeners before htmx removes its element.
	doc.addEventListener("htmx:beforeCleanupElement", function (ev) {
		var el = ev.target;
		if (el && el.hasAttribute && el.hasAttribute("data-chart") && window.echarts) {
			if (resizer) {
				resizer.unobserve(el);
			}
			window.echarts.dispose(el);
		}
	});

	function start() {
		drawCharts(doc.body);
	}

	if (doc.readyState === "loading") {
		doc.addEventListener("DOMContentLoaded", start);
	} else {
		start();
	}
})();
