/* wedata-audit HTML report: renders the embedded audit data page by page.
 * Data is only ever inserted as text (createTextNode / textContent), never parsed as HTML. */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("audit-data").textContent);
  var POOL = D.strings;
  var SEV = D.severities;           // index == rank: info .. critical
  var FSTATUS = D.statuses;         // open, waived, existing
  var TSTATUS = D.taskStatuses;     // passed, failed, errored
  var FIELDS = D.taskFields;
  var EVIDENCE = D.evidenceKeys;
  var EVIDENCE_LABELS = { endpoint: "Endpoint", fetched_at: "Fetched at", region: "Region",
    request_id: "Request ID", sha256: "SHA-256" };

  function str(v) {
    if (v === null || v === undefined) return "";
    return typeof v === "number" ? POOL[v] : v;
  }

  // ------------------------------------------------------------------ decoded model

  var rules = D.rules.map(function (r) {
    return { id: r[0], sev: r[1], title: str(r[2]), category: str(r[3]), remediation: str(r[4]) };
  });
  var ruleIndex = {};
  rules.forEach(function (r, i) { ruleIndex[r.id] = i; });

  var nf = FIELDS.length;
  var tasks = D.tasks.map(function (r) {
    var t = {};
    for (var i = 0; i < nf; i++) t[FIELDS[i]] = str(r[i]);
    t.status = TSTATUS[r[nf]];
    t.error = r[nf + 1] === undefined || r[nf + 1] === null ? null : str(r[nf + 1]);
    t.passed = r[nf + 2] || 0;
    t.skipped = r[nf + 3] || 0;
    t.evidence = r[nf + 4] || [];
    t.findings = [];
    t.open = 0;
    t.other = 0;
    t.label = taskLabel(t);
    return t;
  });

  var findings = D.findings.map(function (r, i) {
    var f = {
      task: r[0], rule: r[1], sev: r[2], status: r[3],
      message: str(r[4]), key: str(r[5]),
      actual: r[6] === undefined || r[6] === null ? null : str(r[6]),
      expected: r[7] === undefined || r[7] === null ? null : str(r[7]),
      note: str(r[8]),
      age: str(r[9])
    };
    var t = tasks[f.task];
    t.findings.push(i);
    if (f.status === 0) t.open++; else t.other++;
    return f;
  });
  tasks.forEach(function (t) {
    t.findings.sort(function (a, b) {
      var fa = findings[a], fb = findings[b];
      return (fa.status - fb.status) || (fb.sev - fa.sev) || cmp(rules[fa.rule].id, rules[fb.rule].id);
    });
  });

  function taskLabel(t) {
    var name = t.task_name || t.task_id || t.source;
    if (t.task_id && t.task_name) name = t.task_name + " (" + t.task_id + ")";
    return (name + " " + t.version_num).trim();
  }

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // ------------------------------------------------------------------ DOM helpers (text only)

  function h(tag, cls) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }

  function add(el, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { add(el, k); }); return; }
    el.appendChild(kid instanceof Node ? kid : document.createTextNode(printable(String(kid))));
  }

  // Control characters are shown as their Unicode "control pictures" (U+2400..), as on the server side.
  function printable(text) {
    return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, function (c) {
      return String.fromCharCode(c === "\x7f" ? 0x2421 : 0x2400 + c.charCodeAt(0));
    });
  }

  function sevBadge(sev) { return h("span", "sev sev-" + SEV[sev], SEV[sev]); }

  function statusBadge(status) { return h("span", "fstatus fstatus-" + FSTATUS[status], FSTATUS[status]); }

  function $(id) { return document.getElementById(id); }

  function plural(n, word) { return n.toLocaleString() + " " + word + (n === 1 ? "" : "s"); }

  function debounce(fn, ms) {
    var timer = 0;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function terms(text) { return text.toLowerCase().split(/\s+/).filter(Boolean); }

  function containsAll(hay, words) {
    for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return false;
    return true;
  }

  // Search texts are built on first use only.
  var taskHay = [];
  function taskText(i) {
    if (taskHay[i] === undefined) {
      var t = tasks[i];
      taskHay[i] = [t.label, t.task_id, t.task_name, t.workflow_name, t.workflow_id, t.version_id,
        t.version_num, t.source, t.project_id, t.owner_uin].join("\n").toLowerCase();
    }
    return taskHay[i];
  }
  var findingHay = [];
  function findingText(i) {
    if (findingHay[i] === undefined) {
      var f = findings[i], r = rules[f.rule];
      findingHay[i] = [r.id, r.title, SEV[f.sev], FSTATUS[f.status], f.message, f.key, f.actual, f.expected,
        f.note, taskText(f.task)].join("\n").toLowerCase();
    }
    return findingHay[i];
  }

  // ------------------------------------------------------------------ pager

  function renderPager(nav, state, total, onChange) {
    var pages = Math.max(1, Math.ceil(total / state.size));
    var page = state.page;
    function go(p) { return function () { state.page = p; onChange(); }; }
    function btn(text, label, target, disabled) {
      var b = h("button", "btn btn-page", text);
      b.type = "button";
      b.setAttribute("aria-label", label);
      b.disabled = disabled;
      if (!disabled) b.addEventListener("click", go(target));
      return b;
    }
    var size = h("select", "page-size");
    [25, 50, 100, 250, 500].forEach(function (n) {
      var o = h("option", null, n + " per page");
      o.value = String(n);
      o.selected = n === state.size;
      size.appendChild(o);
    });
    size.setAttribute("aria-label", "Rows per page");
    size.addEventListener("change", function () { state.size = +size.value; state.page = 0; onChange(); });
    nav.replaceChildren(
      btn("«", "First page", 0, page === 0),
      btn("‹ Prev", "Previous page", page - 1, page === 0),
      h("span", "page-info", "Page " + (page + 1).toLocaleString() + " of " + pages.toLocaleString()),
      btn("Next ›", "Next page", page + 1, page >= pages - 1),
      btn("»", "Last page", pages - 1, page >= pages - 1),
      size
    );
    nav.hidden = total <= 25;
  }

  function clampPage(state, total) {
    var last = Math.max(0, Math.ceil(total / state.size) - 1);
    if (state.page > last) state.page = last;
  }

  // ------------------------------------------------------------------ findings table

  var fs = { sevs: SEV.map(function () { return true; }), rule: -1, status: -1, task: [], q: [],
    sort: "sev", dir: -1, page: 0, size: 100 };
  var fView = [];

  var SORTS = {
    sev: function (a, b) { return findings[a].sev - findings[b].sev; },
    rule: function (a, b) { return cmp(rules[findings[a].rule].id, rules[findings[b].rule].id); },
    task: function (a, b) { return cmp(tasks[findings[a].task].label, tasks[findings[b].task].label); },
    status: function (a, b) { return findings[a].status - findings[b].status; }
  };

  // Every filter but severity: the severity chips count what they would add.
  function findingMatches(i) {
    var f = findings[i];
    if (fs.rule >= 0 && f.rule !== fs.rule) return false;
    if (fs.status >= 0 && f.status !== fs.status) return false;
    if (fs.task.length && !containsAll(taskText(f.task), fs.task)) return false;
    return !fs.q.length || containsAll(findingText(i), fs.q);
  }

  function sortFindings(list) {
    var primary = SORTS[fs.sort], dir = fs.dir;
    list.sort(function (a, b) {
      return dir * primary(a, b) || (findings[a].status - findings[b].status) ||
        (findings[b].sev - findings[a].sev) || SORTS.rule(a, b) || (a - b);
    });
  }

  function applyFindings() {
    var counts = SEV.map(function () { return 0; });
    fView = [];
    for (var i = 0; i < findings.length; i++) {
      if (!findingMatches(i)) continue;
      counts[findings[i].sev]++;
      if (fs.sevs[findings[i].sev]) fView.push(i);
    }
    document.querySelectorAll("[data-sev-count]").forEach(function (el) {
      el.textContent = counts[SEV.indexOf(el.getAttribute("data-sev-count"))].toLocaleString();
    });
    sortFindings(fView);
    clampPage(fs, fView.length);
    renderFindings();
  }

  function findingRow(i) {
    var f = findings[i], r = rules[f.rule], t = tasks[f.task];
    var tr = h("tr", "frow" + (f.status ? " is-muted" : ""));
    var open = h("button", "link task-link", t.task_name || t.task_id || t.source);
    open.type = "button";
    open.title = "Show the evidence of " + t.label;
    open.addEventListener("click", function () { showTask(f.task); });
    var where = [t.task_name ? t.task_id : "", t.version_num, t.workflow_name].filter(Boolean).join(" · ");
    tr.append(
      h("td", null, sevBadge(f.sev)),
      h("td", null, h("code", "rule-id", r.id), h("div", "sub", r.title)),
      h("td", "task-cell", open, where ? h("div", "sub", where) : null),
      h("td", "msg-cell", h("div", null, f.message), f.key ? h("code", "key", f.key) : null),
      h("td", null, valueCell(f.actual)),
      h("td", null, valueCell(f.expected)),
      h("td", null, statusBadge(f.status), f.age ? h("div", "sub", f.age) : null)
    );
    labelCells(tr);
    return tr;
  }

  // Phones show each finding as a stacked card: every cell carries its column's name (CSS shows it), read
  // from the table's own header so that a column added there is labelled too.
  var FINDING_COLUMNS = [].map.call(document.querySelectorAll("#findings-table thead th"), function (th) {
    return th.textContent.trim();
  });
  function labelCells(tr) {
    for (var i = 0; i < tr.children.length && i < FINDING_COLUMNS.length; i++) {
      tr.children[i].setAttribute("data-label", FINDING_COLUMNS[i]);
    }
  }

  function valueCell(v) {
    if (v === null) return h("span", "muted", "—");
    var c = h("code", "val clip", v === "" ? "(empty)" : v);
    if (v.length > 120) c.title = v;
    return c;
  }

  function renderFindings() {
    var body = $("findings-body");
    var start = fs.page * fs.size;
    var rows = document.createDocumentFragment();
    fView.slice(start, start + fs.size).forEach(function (i) { rows.appendChild(findingRow(i)); });
    if (!fView.length) {
      var td = h("td", "empty", findings.length ? "No finding matches these filters." : "No findings.");
      td.colSpan = 7;
      rows.appendChild(h("tr", null, td));
    }
    body.replaceChildren(rows);
    $("f-count").textContent = fView.length ? "Showing " + (start + 1).toLocaleString() + "–" +
      Math.min(start + fs.size, fView.length).toLocaleString() + " of " + plural(fView.length, "finding") +
      (fView.length < findings.length ? " (" + findings.length.toLocaleString() + " in total)" : "")
      : "0 of " + plural(findings.length, "finding");
    renderPager($("f-pager"), fs, fView.length, renderFindings);
    updateSortHeaders();
  }

  function updateSortHeaders() {
    document.querySelectorAll("#findings-table th[aria-sort]").forEach(function (th) {
      var key = th.querySelector("button").getAttribute("data-sort");
      th.setAttribute("aria-sort", key === fs.sort ? (fs.dir < 0 ? "descending" : "ascending") : "none");
    });
  }

  function readFindingFilters() {
    document.querySelectorAll("#findings-filters input[name=sev]").forEach(function (box) {
      fs.sevs[SEV.indexOf(box.value)] = box.checked;
    });
    var rule = $("f-rule").value;
    fs.rule = rule && rule in ruleIndex ? ruleIndex[rule] : -1;
    fs.status = FSTATUS.indexOf($("f-status").value);
    fs.task = terms($("f-task").value);
    fs.q = terms($("f-search").value);
    fs.page = 0;
    applyFindings();
  }

  function setupFindings() {
    var form = $("findings-filters");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("change", readFindingFilters);
    form.addEventListener("reset", function () { setTimeout(readFindingFilters, 0); });
    var typed = debounce(readFindingFilters, 150);
    $("f-task").addEventListener("input", typed);
    $("f-search").addEventListener("input", typed);
    document.querySelectorAll("#findings-table button.sort").forEach(function (b) {
      b.addEventListener("click", function () {
        var key = b.getAttribute("data-sort");
        fs.dir = key === fs.sort ? -fs.dir : (key === "sev" ? -1 : 1);
        fs.sort = key;
        fs.page = 0;
        applyFindings();
      });
    });
    document.querySelectorAll("button[data-rule]").forEach(function (b) {
      b.addEventListener("click", function () { focusFindings({ rule: b.getAttribute("data-rule") }); });
    });
    document.querySelectorAll("button.tile-btn[data-sev]").forEach(function (b) {
      b.addEventListener("click", function () { focusFindings({ sev: b.getAttribute("data-sev") }); });
    });
    applyFindings();
  }

  function focusFindings(opts) {
    var form = $("findings-filters");
    form.reset();
    if (opts.rule) $("f-rule").value = opts.rule;
    if (opts.sev) {
      form.querySelectorAll("input[name=sev]").forEach(function (box) { box.checked = box.value === opts.sev; });
    }
    readFindingFilters();
    $("findings").scrollIntoView();
    $("findings-h").focus();
  }

  // ------------------------------------------------------------------ task evidence

  var ts = { status: "attention", q: [], pinned: -1, page: 0, size: 25 };
  var tView = [];

  function taskMatches(i) {
    var t = tasks[i];
    if (ts.pinned >= 0) return i === ts.pinned;
    var s = ts.status;
    if (s === "attention" && t.status === "passed") return false;
    if ((s === "failed" || s === "errored" || s === "passed") && t.status !== s) return false;
    if (s === "waived" && !t.other) return false;
    return !ts.q.length || containsAll(taskText(i), ts.q);
  }

  function applyTasks() {
    tView = [];
    for (var i = 0; i < tasks.length; i++) if (taskMatches(i)) tView.push(i);
    // Errored first, then the most open findings.
    tView.sort(function (a, b) {
      var ta = tasks[a], tb = tasks[b];
      return (TSTATUS.indexOf(tb.status) - TSTATUS.indexOf(ta.status)) || (tb.open - ta.open) || (a - b);
    });
    clampPage(ts, tView.length);
    renderTasks();
  }

  function identity(t) {
    var dl = h("dl", "identity");
    function row(label, value, mono) {
      if (!value) return;
      dl.append(h("dt", null, label), h("dd", mono ? "mono break" : "break", value));
    }
    row("Project", t.project_id, true);
    row("Task ID", t.task_id, true);
    row("Task name", t.task_name);
    row("Version", [t.version_num, t.version_id && "(" + t.version_id + ")"].filter(Boolean).join(" "), true);
    row("Workflow", [t.workflow_name, t.workflow_id && "(" + t.workflow_id + ")"].filter(Boolean).join(" "));
    row("Owner UIN", t.owner_uin, true);
    row("Source", t.source, true);
    EVIDENCE.forEach(function (key, i) { row(EVIDENCE_LABELS[key] || key, str(t.evidence[i]), true); });
    return dl;
  }

  function kv(label, value) {
    if (value === null) return null;
    return h("div", null, h("dt", null, label), h("dd", null, h("code", "val", value === "" ? "(empty)" : value)));
  }

  function evidenceItem(i) {
    var f = findings[i], r = rules[f.rule];
    var li = h("li", "ev sev-edge-" + SEV[f.sev] + (f.status ? " is-muted" : ""));
    li.append(
      h("div", "ev-head", sevBadge(f.sev), h("code", "rule-id", r.id), h("span", "ev-title", r.title),
        f.status ? statusBadge(f.status) : null),
      h("p", "ev-msg", f.message)
    );
    var dl = h("dl", "kv", f.key ? kv("Key", f.key) : null, kv("Actual", f.actual), kv("Expected", f.expected));
    if (dl.childNodes.length) li.appendChild(dl);
    if (f.note) li.appendChild(h("p", "ev-note", h("strong", null, FSTATUS[f.status] + ": "), f.note));
    if (r.remediation) li.appendChild(h("p", "ev-fix", h("strong", null, "Remediation: "), r.remediation));
    return li;
  }

  function taskCard(i) {
    var t = tasks[i];
    var card = h("article", "task task-" + t.status);
    card.id = "task-" + i;
    var title = h("h3", "task-title", t.task_name || t.task_id || t.source);
    title.tabIndex = -1;
    var facts = [];
    if (t.status !== "errored") {
      facts.push(plural(t.open, "open finding"));
      if (t.other) facts.push(t.other + " waived/existing");
      facts.push(plural(t.passed, "rule") + " passed");
      if (t.skipped) facts.push(t.skipped + " skipped");
    }
    card.append(
      h("header", "task-head", title, h("span", "tstatus tstatus-" + t.status, t.status),
        h("span", "task-facts", facts.join(" · "))),
      identity(t)
    );
    if (t.error !== null) {
      card.appendChild(h("div", "task-error", h("strong", null, "Could not be audited: "), t.error));
    }
    if (t.findings.length) card.appendChild(h("ol", "evidence", t.findings.map(evidenceItem)));
    return card;
  }

  function renderTasks() {
    var start = ts.page * ts.size;
    var list = document.createDocumentFragment();
    tView.slice(start, start + ts.size).forEach(function (i) { list.appendChild(taskCard(i)); });
    if (!tView.length) list.appendChild(h("p", "empty", emptyTaskText()));
    $("task-list").replaceChildren(list);
    $("t-count").textContent = ts.pinned >= 0 ? "Showing one task version." : tView.length
      ? "Showing " + (start + 1).toLocaleString() + "–" + Math.min(start + ts.size, tView.length).toLocaleString() +
        " of " + plural(tView.length, "task version") + " (" + tasks.length.toLocaleString() + " in total)"
      : "";
    $("t-all").hidden = ts.pinned < 0;
    renderPager($("t-pager"), ts, tView.length, renderTasks);
  }

  function emptyTaskText() {
    if (!tasks.length) return "No task versions were audited.";
    if (ts.status === "attention" && !ts.q.length) {
      return "No failed or errored task versions. Choose “All task versions” to see the " +
        plural(tasks.length, "passed one") + ".";
    }
    return "No task version matches these filters.";
  }

  function readTaskFilters() {
    ts.status = $("t-status").value;
    ts.q = terms($("t-search").value);
    ts.pinned = -1;
    ts.page = 0;
    applyTasks();
  }

  function showTask(i) {
    ts.pinned = i;
    ts.page = 0;
    applyTasks();
    var card = $("task-" + i);
    card.scrollIntoView();
    card.querySelector(".task-title").focus();
  }

  function setupTasks() {
    var form = $("tasks-filters");
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    $("t-status").addEventListener("change", readTaskFilters);
    $("t-search").addEventListener("input", debounce(readTaskFilters, 150));
    $("t-all").addEventListener("click", readTaskFilters);
    applyTasks();
  }

  $("findings-h").tabIndex = -1;
  setupFindings();
  setupTasks();
  document.documentElement.classList.add("js-ready");
})();
