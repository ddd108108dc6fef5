/*
 * The CRM's browser script, on top of app.js. Pages ask for behaviour with
 * data- attributes, for the first page and for content htmx swaps in later:
 *
 *   data-confirm="…"        a form that asks before it submits
 *   data-board              the pipeline board: cards ([data-card]) can be
 *                           dragged onto another column ([data-stage]); the
 *                           move is posted to the card's data-move-url with
 *                           htmx, and the answer replaces the board
 *   data-print              a button that opens the browser's print dialog
 *   data-pick-code="…"      a product found by the quote form's search: the
 *                           code goes into the form's first empty product
 *                           code field ([data-line-code])
 *   data-chart-links='[…]'  on a data-chart element (drawn by app.js): a
 *                           click on the chart's n-th data item opens the
 *                           n-th address, the records behind the figure
 */
(function () {
	"use strict";

	var doc = document;

	function closest(target, selector) {
		return target && target.closest ? target.closest(selector) : null;
	}

	// ---- confirmations ----

	doc.addEventListener("submit", function (ev) {
		var form = closest(ev.target, "form[data-confirm]");
		if (form && !window.confirm(form.getAttribute("data-confirm"))) {
			ev.preventDefault();
			ev.stopPropagation();
		}
	}, true);

	// ---- print buttons ----

	doc.addEventListener("click", function (ev) {
		if (closest(ev.target, "[data-print]")) {
			window.print();
		}
	});

	// ---- picking a product on the quote form ----

	doc.addEventListener("click", function (ev) {
		var btn = closest(ev.target, "[data-pick-code]");
		var form = btn && closest(btn, "form");
		if (!form) {
			return;
		}
		var fields = form.querySelectorAll("[data-line-code]");
		for (var i = 0; i < fields.length; i++) {
			if (!fields[i].value) {
				fields[i].value = btn.getAttribute("data-pick-code");
				fields[i].focus();
				return;
			}
		}
	});

	// ---- the pipeline board: native HTML5 drag and drop ----

	var dragged = null;

	doc.addEventListener("dragstart", function (ev) {
		var card = closest(ev.target, "[data-board] [data-card]");
		if (!card) {
			return;
		}
		dragged = card;
		card.classList.add("dragging");
		ev.dataTransfer.effectAllowed = "move";
		ev.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
	});

	doc.addEventListener("dragend", function () {
		if (dragged) {
			dragged.classList.remove("dragging");
		}
		dragged = null;
		doc.querySelectorAll(".drop-target").forEach(function (el) {
			el.classList.remove("drop-target");
		});
	});

	doc.addEventListener("dragover", function (ev) {
		var col = dragged && closest(ev.target, "[data-board] [data-stage]");
		if (!col) {
			return;
		}
		ev.preventDefault();
		ev.dataTransfer.dropEffect = "move";
		if (!col.classList.contains("drop-target")) {
			doc.querySelectorAll(".drop-target").forEach(function (el) {
				el.classList.remove("drop-target");
			});
			col.classList.add("drop-target");
		}
	});

	doc.addEventListener("drop", function (ev) {
		var col = dragged && closest(ev.target, "[data-board] [data-stage]");
		if (!col) {
			return;
		}
		ev.preventDefault();
		var card = dragged;
		var stage = col.getAttribute("data-stage");
		col.classList.remove("drop-target");
		if (stage === card.getAttribute("data-card-stage")) {
			return;
		}
		move(card, stage, col);
	});

	// move posts a card's new stage; the server answers with the board.
	function move(card, stage, col) {
		var board = closest(card, "[data-board]");
		var url = card.getAttribute("data-move-url");
		var list = col.querySelector("[data-cards]");
		if (list) {
			list.appendChild(card);
		}
		if (window.htmx && url) {
			window.htmx.ajax("POST", url, {
				target: board,
				swap: "outerHTML",
				values: { stage_id: stage, version: card.getAttribute("data-version") || "" }
			});
		}
	}

	// ---- chart drill-down ----

	// app.js draws the chart; the click handler is added the first time the
	// pointer comes over it, when the chart surely exists.
	doc.addEventListener("pointerover", function (ev) {
		var el = closest(ev.target, "[data-chart-links]");
		if (!el || el.hasAttribute("data-links-bound") || !window.echarts) {
			return;
		}
		var chart = window.echarts.getInstanceByDom(el);
		var links;
		try {
			links = JSON.parse(el.getAttribute("data-chart-links"));
		} catch (err) {
			return;
		}
		if (!chart || !Array.isArray(links)) {
			return;
		}
		el.setAttribute("data-links-bound", "");
		chart.on("click", function (p) {
			var url = links[p.dataIndex];
			if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
				window.location.assign(url);
			}
		});
	});
})();
