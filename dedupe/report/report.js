"use strict";
// Renders the clusters of the report. Page text is only ever set with textContent, never parsed as HTML.
(function () {
  var errors = 0;
  window.addEventListener("error", function () { errors += 1; document.body.dataset.errors = String(errors); });
  var data = JSON.parse(document.getElementById("data").textContent);
  var PAGE = 25;
  var page = 0;
  var shown = data.clusters;
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function safeLink(url, text) {
    // Only web and relative links: a javascript: or data: URL from a page never becomes a link.
    if (typeof url === "string" && /^(https?:\/\/|\/|\.\.?\/)/i.test(url)) {
      var a = el("a", text); a.href = url; a.rel = "noopener noreferrer"; return a;
    }
    return el("span", text);
  }
  function day(iso) { return iso ? iso.slice(0, 10) : ""; }

  var kinds = {};
  data.clusters.forEach(function (c) { c.members.forEach(function (m) { m.kinds.forEach(function (k) { kinds[k] = 1; }); }); });
  Object.keys(kinds).sort().forEach(function (k) { var o = el("option", k); o.value = k; document.getElementById("f-kind").appendChild(o); });
  data.sites.forEach(function (s) { var o = el("option", s.name + " (" + s.site + ")"); o.value = s.site; document.getElementById("f-site").appendChild(o); });

  function matches(c) {
    var site = document.getElementById("f-site").value, kind = document.getElementById("f-kind").value;
    var from = document.getElementById("f-from").value, to = document.getElementById("f-to").value;
    var text = document.getElementById("f-text").value.trim().toLowerCase();
    return c.members.some(function (m) {
      if (site && m.site !== site) return false;
      if (kind && m.kinds.indexOf(kind) < 0) return false;
      var when = day(m.published || m.captured);
      if (from && when < from) return false;
      if (to && when > to) return false;
      if (text) {
        var hay = [m.title, m.url, m.site_name, m.origin].join(" ").toLowerCase();
        if (hay.indexOf(text) < 0) return false;
      }
      return true;
    });
  }

  function timeline(c) {
    var times = c.members.map(function (m) { return Date.parse(m.published || m.captured || ""); });
    var valid = times.filter(function (t) { return !isNaN(t); });
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "timeline"); svg.setAttribute("width", "600"); svg.setAttribute("height", "34");
    if (!valid.length) return svg;
    var lo = Math.min.apply(null, valid), hi = Math.max.apply(null, valid), span = Math.max(hi - lo, 1);
    var axis = document.createElementNS(SVG, "line");
    axis.setAttribute("x1", "10"); axis.setAttribute("x2", "590"); axis.setAttribute("y1", "16"); axis.setAttribute("y2", "16");
    axis.setAttribute("stroke", "#999"); svg.appendChild(axis);
    c.members.forEach(function (m, i) {
      if (isNaN(times[i])) return;
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", String(10 + 580 * (times[i] - lo) / span)); dot.setAttribute("cy", "16");
      dot.setAttribute("r", i === 0 ? "7" : "5"); dot.setAttribute("fill", i === 0 ? "#2f6fb0" : "#d9822b");
      var title = document.createElementNS(SVG, "title");
      title.textContent = m.site_name + " " + (m.published || m.captured);
      dot.appendChild(title); svg.appendChild(dot);
    });
    return svg;
  }

  function diffView(ops) {
    var box = el("div", null, "diff");
    var left = el("div"), right = el("div");
    left.appendChild(el("b", "canonical")); right.appendChild(el("b", "this copy"));
    ops.forEach(function (op) {
      var kind = op[0], text = op[1];
      if (kind === "=") { left.appendChild(el("p", text, "same")); right.appendChild(el("p", text, "same")); }
      else if (kind === "-") left.appendChild(el("p", text, "del"));
      else if (kind === "+") right.appendChild(el("p", text, "add"));
      else right.appendChild(el("p", text, "muted"));
    });
    box.appendChild(left); box.appendChild(right);
    return box;
  }

  function card(c) {
    var box = el("article", null, "cluster");
    box.id = "cluster-" + c.id;
    var canon = c.canonical;
    box.appendChild(el("h3", canon.title));
    var meta = el("p", null, "muted");
    meta.textContent = "Cluster " + c.id + " · first published by " + canon.site_name + " · " +
      (canon.published || "time unknown") + (canon.origin ? " · 来源 " + canon.origin : "");
    box.appendChild(meta);
    box.appendChild(timeline(c));
    var table = el("table"); var head = el("tr");
    ["site", "URL", "published", "captured", "delay (h)", "distance", "similarity", "kind", "archive", ""].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    c.members.forEach(function (m) {
      var row = el("tr");
      row.appendChild(el("td", m.site_name));
      var u = el("td", null, "url"); u.appendChild(safeLink(m.url, m.url)); row.appendChild(u);
      row.appendChild(el("td", m.published || ""));
      row.appendChild(el("td", m.captured || ""));
      row.appendChild(el("td", m.delay_hours === null ? "" : m.delay_hours));
      row.appendChild(el("td", m.distance === null ? "" : m.distance));
      row.appendChild(el("td", m.similarity === null ? "" : m.similarity));
      var k = el("td"); m.kinds.forEach(function (x) { k.appendChild(el("span", x, "kind " + x.split(" ")[0].split("-")[0])); });
      if (m.copied_version) {
        // Which version of the original this copy was made from, and what the original changed since.
        var note = "copied version " + m.copied_version;
        if (m.edited_since_copy && m.edited_since_copy.length) note += "; original edited since: " + m.edited_since_copy.join(", ");
        k.appendChild(el("div", note, "muted copied"));
      }
      row.appendChild(k);
      var r = el("td");
      if (m.replay) r.appendChild(m.replay.url ? safeLink(m.replay.url, "replay") : el("span", m.replay.warc + " @ " + m.replay.offset));
      row.appendChild(r);
      var action = el("td");
      if (m.diff) {
        var button = el("button", "diff"); button.type = "button";
        var holder = el("tr"); var cell = el("td"); cell.colSpan = 10; holder.appendChild(cell); holder.hidden = true;
        button.addEventListener("click", function () {
          if (!cell.firstChild) cell.appendChild(diffView(m.diff));
          holder.hidden = !holder.hidden;
        });
        action.appendChild(button);
        row.appendChild(action); table.appendChild(row); table.appendChild(holder);
        return;
      }
      row.appendChild(action); table.appendChild(row);
    });
    box.appendChild(table);
    return box;
  }

  function render() {
    var list = document.getElementById("list");
    while (list.firstChild) list.removeChild(list.firstChild);
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    shown.slice(page * PAGE, page * PAGE + PAGE).forEach(function (c) { list.appendChild(card(c)); });
    document.getElementById("count").textContent = shown.length + " of " + data.clusters.length + " clusters";
    document.getElementById("page").textContent = "page " + (page + 1) + " of " + pages;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }
  function refilter() { shown = data.clusters.filter(matches); page = 0; render(); }

  ["f-site", "f-kind", "f-from", "f-to"].forEach(function (id) { document.getElementById(id).addEventListener("change", refilter); });
  document.getElementById("f-text").addEventListener("input", refilter);
  document.getElementById("prev").addEventListener("click", function () { page -= 1; render(); });
  document.getElementById("next").addEventListener("click", function () { page += 1; render(); });
  // Permalinks: #q=TEXT fills the text filter, #cluster=ID shows that cluster's page.
  var hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("q")) { document.getElementById("f-text").value = hash.get("q"); shown = data.clusters.filter(matches); }
  if (hash.get("cluster")) {
    var at = shown.findIndex(function (c) { return String(c.id) === hash.get("cluster"); });
    if (at >= 0) page = Math.floor(at / PAGE);
  }
  render();
  renderTimelines();
  document.body.dataset.ready = "1";

  function renderTimelines() {
    // Each changed article: its versions with what changed since the one before, and its events.
    var list = document.getElementById("timeline-list"), items = data.timelines || [];
    document.getElementById("timeline-count").textContent = items.length + " articles with several versions or a change event";
    items.forEach(function (t) {
      var box = el("div", null, "timeline-article");
      var h = el("h3"); h.appendChild(safeLink(t.url, t.url)); box.appendChild(h);
      var ol = el("ol");
      t.versions.forEach(function (v) {
        var li = el("li", "version " + v.number + " (" + v.captured + "): " + v.title);
        Object.keys(v.changed).forEach(function (field) {
          var d = el("div", field + ": ", "muted");
          v.changed[field].forEach(function (op) { d.appendChild(el(op[0] === "+" ? "ins" : "del", op[1])); });
          li.appendChild(d);
        });
        ol.appendChild(li);
      });
      box.appendChild(ol);
      var ul = el("ul", null, "events");
      t.events.forEach(function (e) { ul.appendChild(el("li", e.detected + " " + e.kind + (e.how ? " (" + e.how + ")" : "") + ": " + e.summary, "event " + e.kind)); });
      box.appendChild(ul);
      list.appendChild(box);
    });
  }
})();
