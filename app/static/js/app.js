/* Sổ Thư viện: taps that survive a dropping link (README, "Reader visits"), and
   htmx forms that say when they were not sent. No build step; on every page. */
(function () {
  "use strict";
  var d = document, meta = function (n) { var m = d.querySelector("meta[name=" + n + "]"); return m && m.content; };
  var user = meta("user"), token = meta("csrf-token"), KEY = "taps:" + user, memory = [];
  var T = {}; try { T = JSON.parse(d.getElementById("app-text").textContent); } catch (e) { /* no texts: no page */ }
  var lang = d.documentElement.lang || "vi", num = function (n) { return n.toLocaleString(lang); };

  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return memory; } }
  function save(q) { memory = q; try { localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) { /* private mode */ } }
  function uuid() {  // crypto.randomUUID needs HTTPS; getRandomValues works on a plain-HTTP intranet
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    h = h.join(""); return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  // --- The tally page ---------------------------------------------------------
  var form = d.querySelector("form[data-tally]"), base = {}, baseTotal = 0, last = null;
  var digits = function (el) { return parseInt(el.textContent.replace(/\D/g, ""), 10) || 0; };
  var here = function (e) { return form && e.url === form.action && e.day === form.dataset.day; };
  var label = function (cell) {
    var b = form.querySelector("button.tap[value='" + cell + "']");
    return b.closest("fieldset").querySelector("legend").textContent + " · " + b.querySelector(".tap-group").textContent;
  };
  function show() {
    if (!form) return;
    var q = load(), add = {}, pending = 0, refused = [];
    q.forEach(function (e) {
      if (e.refused) { refused.push(e); return; }
      pending++;
      if (here(e)) add[e.cell] = (add[e.cell] || 0) + e.step;
    });
    var total = baseTotal;
    Object.keys(base).forEach(function (cell) {
      var n = Math.max(0, base[cell] + (add[cell] || 0));
      total += n - base[cell];
      d.getElementById("n-" + cell.replace(":", "-")).textContent = num(n);
    });
    form.querySelector("#day-total strong").textContent = num(total);
    var status = d.getElementById("tally-status"), text = pending ? T[pending === 1 ? "one" : "other"].replace("{n}", num(pending)) : "";
    status.textContent = text;
    status.className = "tally-status" + (pending ? " pending" : "") + (refused.length ? " refused" : "");
    refused.forEach(function (e) {
      var p = d.createElement("span");
      p.textContent = T.refused.replace("{what}", (here(e) ? label(e.cell) : e.day) + (e.step < 0 ? " (−1)" : "")).replace("{why}", e.message);
      status.appendChild(p);
    });
    if (refused.length) {
      var ok = d.createElement("button"); ok.type = "button"; ok.className = "button secondary"; ok.textContent = T.ok;
      ok.onclick = function () { save(load().filter(function (e) { return !e.refused; })); show(); };
      status.appendChild(ok);
    }
    var undo = d.getElementById("undo");
    undo.textContent = "";
    if (last) {
      var u = d.createElement("button"); u.type = "submit"; u.name = "undo"; u.value = last; u.className = "button secondary";
      u.textContent = "↶ " + T.undo + ": " + label(last); undo.appendChild(u);
    }
  }
  if (form) {
    form.querySelectorAll(".tap-count").forEach(function (el) { base[el.id.slice(2).replace("-", ":")] = digits(el); });
    baseTotal = digits(form.querySelector("#day-total strong"));
    var u0 = form.querySelector("#undo button"); last = u0 && u0.value;
    form.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[name=cell], button[name=undo]");
      if (!b || b.disabled) return;
      ev.preventDefault();
      var step = b.name === "cell" ? 1 : -1, n = d.getElementById("n-" + b.value.replace(":", "-"));
      if (step < 0 && digits(n) === 0) { last = null; show(); return; }  // never below zero
      var q = load();
      q.push({id: uuid(), url: form.action, day: form.dataset.day, cell: b.value, step: step});
      save(q); last = step > 0 ? b.value : null; show(); send();
    });
  }

  // --- Sending the queue --------------------------------------------------------
  var busy = false, wait = 1000, timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(send, wait); wait = Math.min(wait * 2, 60000); }
  function send() {
    var e = load().filter(function (x) { return !x.refused; })[0];
    if (busy || !e || !user || !navigator.onLine) return;  // offline: the "online" event sends it
    busy = true;
    var body = new URLSearchParams({csrf_token: token, day: e.day, tap: e.id});
    body.set(e.step > 0 ? "cell" : "undo", e.cell);
    fetch(e.url, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                  headers: {"Accept": "application/json", "X-CSRFToken": token}})
      .then(function (r) { return r.json().then(function (j) { return [r.status, j]; }, function () { return [r.status, {}]; }); })
      .then(function (a) {
        busy = false;
        var status = a[0], j = a[1];
        // Refused for good: a 4xx that waiting cannot change (not a login, a stale form, a timeout or a busy server).
        if (status === 200 || (status >= 400 && status < 500 && [401, 408, 429].indexOf(status) < 0 && j.error !== "csrf")) {
          var q = load().filter(function (x) { return x.id !== e.id; });
          if (status === 200) {
            if (here(e) && j.cell in base) { base[j.cell] = j.count; baseTotal = j.total; }
          } else {
            e.refused = true; e.message = j.message || T.failed; q.unshift(e);
          }
          save(q); wait = 1000; show(); send();
        } else { later(); }  // offline, server trouble, logged out, stale form: kept, sent again
      }, function () { busy = false; later(); });
  }
  addEventListener("online", function () { wait = 1000; send(); });
  show(); send();

  // --- Every other htmx form: say when it was not sent ----------------------------
  d.addEventListener("htmx:sendError", function (ev) {
    var el = ev.detail.elt, at = (el.closest && el.closest("form")) || el;
    var note = at.nextElementSibling;
    if (!note || !note.classList.contains("net-error")) {
      note = d.createElement("p"); note.className = "net-error flash flash-error"; note.setAttribute("role", "alert");
      at.parentNode.insertBefore(note, at.nextSibling);
    }
    note.textContent = T.offline;
  });
  d.addEventListener("htmx:afterRequest", function (ev) {
    var el = ev.detail.elt, at = (el.closest && el.closest("form")) || el, note = at.nextElementSibling;
    if (ev.detail.successful && note && note.classList.contains("net-error")) note.remove();
  });
})();
