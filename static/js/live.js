/* Signal Live Events: one integration's deliveries as they happen.
 *
 * Messages arrive on the websocket one delivery at a time. They are queued and drawn once
 * per animation frame, so a burst of thousands per second costs a few DOM writes per frame.
 * Rows are keyed by delivery_id: a later status updates its row in place, and an update
 * that arrives late (another process, another order) never moves a row backwards.
 */
(function () {
  "use strict";

  var MAX_ROWS = 500;
  var MAX_BUFFERED = 5000;
  var COLUMNS = 6;
  var HIGHLIGHT_LIMIT = 20;
  // Rows of one event name and status arriving within this long fold into one "×N" row.
  var GROUP_MS = 1000;
  var RATE_WINDOW_S = 5;
  // Pending states may advance to final ones, never the other way round.
  var RANK = { held: 0, queued: 0, retrying: 1, delivered: 2, failed: 2, suppressed: 2, filtered: 2 };
  var STATE_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };

  var root = document.getElementById("live");
  if (!root) return;
  var tbody = root.querySelector("#live-rows");
  var table = root.querySelector(".live-table");
  var empty = root.querySelector("[data-testid='live-empty']");
  var noMatch = root.querySelector(".live-no-match");
  var count = root.querySelector(".live-count");
  var connection = root.querySelector(".live-connection");
  var connectionText = root.querySelector(".live-connection-text");
  var pauseButton = root.querySelector("[data-action='pause']");
  var pauseLabel = root.querySelector(".live-pause-label");
  var pausedBanner = root.querySelector(".live-paused");
  var bufferedText = root.querySelector(".live-buffered");
  var search = root.querySelector("#live-search");
  var destination = root.dataset.destination || "Destination";
  var rateText = root.querySelector("[data-testid='live-rate']");

  var rows = new Map(); // delivery_id -> {message, tr, detail}
  var pending = [];
  var buffered = [];
  var bufferedCount = 0;
  var paused = false;
  var frame = 0;
  var lastFrameSize = 0;
  var filter = { status: "", text: "" };
  var unfolded = new Set(); // delivery_ids of group leaders the user opened
  var arrivals = []; // new deliveries per second, the newest last

  // --- receiving -------------------------------------------------------------------------

  function receive(message) {
    if (!message || message.delivery_id == null) return;
    if (paused) {
      buffered.push(message);
      bufferedCount += 1;
      if (buffered.length > MAX_BUFFERED) buffered.splice(0, buffered.length - MAX_BUFFERED);
      bufferedText.textContent = String(bufferedCount);
      return;
    }
    pending.push(message);
    schedule();
  }

  function schedule() {
    if (!frame) frame = window.requestAnimationFrame(flush);
  }

  // Highlights are for a trickle of events; under a burst they would only cost paint time.
  function quiet() {
    return lastFrameSize <= HIGHLIGHT_LIMIT;
  }

  function supersedes(next, current) {
    return (RANK[next.status] || 0) >= (RANK[current.status] || 0);
  }

  function flush() {
    frame = 0;
    var batch = pending;
    pending = [];
    lastFrameSize = batch.length;
    var fresh = new Map();
    batch.forEach(function (message) {
      var key = String(message.delivery_id);
      var row = rows.get(key);
      if (row) {
        if (supersedes(message, row.message)) update(row, message);
        return;
      }
      var earlier = fresh.get(key);
      if (!earlier || supersedes(message, earlier)) fresh.set(key, message);
    });
    insert(Array.from(fresh.values()));
    arrivals[arrivals.length - 1] += fresh.size;
    trim();
    regroup();
    summarise();
  }

  // --- rows ------------------------------------------------------------------------------

  function insert(messages) {
    if (!messages.length) return;
    messages.sort(function (a, b) { return b.delivery_id - a.delivery_id; });
    if (messages.length > MAX_ROWS) messages = messages.slice(0, MAX_ROWS);
    var top = tbody.firstElementChild;
    var topId = top ? Number(top.dataset.id) : -1;
    var fragment = document.createDocumentFragment();
    var highlight = quiet() && messages.length <= HIGHLIGHT_LIMIT;
    messages.forEach(function (message) {
      var row = { message: message, tr: build(message, highlight), detail: null };
      rows.set(String(message.delivery_id), row);
      if (message.delivery_id > topId) {
        fragment.appendChild(row.tr);
      } else {
        tbody.insertBefore(row.tr, firstOlderThan(message.delivery_id));
      }
    });
    tbody.insertBefore(fragment, tbody.firstElementChild);
  }

  function firstOlderThan(id) {
    for (var tr = tbody.firstElementChild; tr; tr = tr.nextElementSibling) {
      if (tr.dataset.id && Number(tr.dataset.id) < id) return tr;
    }
    return null;
  }

  function trim() {
    while (rows.size > MAX_ROWS && tbody.lastElementChild) {
      var last = tbody.lastElementChild;
      tbody.removeChild(last);
      if (last.dataset.id) rows.delete(last.dataset.id);
    }
  }

  function build(message, highlight) {
    var tr = document.createElement("tr");
    tr.className = highlight ? "live-row is-new" : "live-row";
    tr.dataset.id = String(message.delivery_id);
    tr.tabIndex = 0;
    tr.setAttribute("aria-expanded", "false");
    for (var i = 0; i < COLUMNS; i++) tr.appendChild(document.createElement("td"));
    fill(tr, message);
    return tr;
  }

  function update(row, message) {
    var changed = message.status !== row.message.status;
    row.message = message;
    fill(row.tr, message);
    if (changed && quiet()) row.tr.classList.add("is-changed");
    if (row.detail && changed) load(row);
  }

  function fill(tr, m) {
    var cells = tr.children;
    var when = m.received_at ? new Date(m.received_at) : null;
    cells[0].className = "live-time";
    cells[0].textContent = when ? when.toLocaleTimeString(undefined, { hour12: false }) : "";
    cells[0].title = m.received_at || "";

    cells[1].className = "live-event";
    cells[1].replaceChildren(text("span", "live-event-name", m.event || m.type || "—"));
    if (m.type && m.type !== "track") cells[1].appendChild(text("span", "live-type", m.type));

    cells[2].className = "live-destination-event";
    cells[2].textContent = m.destination_event || "—";

    cells[3].className = "live-endpoint";
    cells[3].textContent = m.endpoint || "—";

    cells[4].className = "live-status";
    var badge = text("span", "live-badge live-badge-" + tone(m), m.status);
    badge.dataset.status = m.status;
    if (m.status_code != null) badge.appendChild(text("span", "live-code", String(m.status_code)));
    cells[4].replaceChildren(badge);
    if (m.error) cells[4].appendChild(text("span", "live-error", m.error));

    cells[5].className = "live-latency align-right";
    cells[5].textContent = m.latency_ms == null ? "—" : m.latency_ms + " ms";

    tr.dataset.status = m.status;
    tr.dataset.group = (m.event || m.type || "") + "\u0000" + m.status;
    tr.dataset.time = String(when ? when.getTime() : 0);
    applyFilter(tr, m);
  }

  // --- bursts: fold repeated rows, count the rate ------------------------------------------

  // Consecutive shown rows with the same event name and status, received within GROUP_MS of
  // the group's newest row, fold under that row, which shows "×N" and unfolds on click.
  function regroup() {
    var leader = null;
    var size = 0;
    for (var tr = tbody.firstElementChild; tr; tr = tr.nextElementSibling) {
      if (!tr.classList.contains("live-row") || tr.hidden) continue;
      var row = rows.get(tr.dataset.id);
      var joins = leader && !row.detail && tr.dataset.group === leader.dataset.group &&
        Number(leader.dataset.time) - Number(tr.dataset.time) < GROUP_MS;
      if (joins) {
        size += 1;
        fold(tr, !unfolded.has(leader.dataset.id));
        continue;
      }
      if (leader) mark(leader, size);
      leader = tr;
      size = 1;
      fold(tr, false);
    }
    if (leader) mark(leader, size);
  }

  function fold(tr, folded) {
    if (tr.classList.contains("is-folded") !== folded) tr.classList.toggle("is-folded", folded);
    var badge = tr.querySelector(".live-repeat");
    if (badge) badge.remove();
  }

  function mark(tr, size) {
    if (size < 2) return;
    var open = unfolded.has(tr.dataset.id);
    var button = text("button", "live-repeat", "×" + size);
    button.type = "button";
    button.dataset.testid = "live-repeat";
    button.setAttribute("aria-expanded", String(open));
    button.title = open ? "Fold the repeated rows" : size + " of these within a second: show them all";
    tr.children[1].appendChild(button);
  }

  function tick() {
    arrivals.push(0);
    if (arrivals.length > RATE_WINDOW_S + 1) arrivals.shift();
    var done = arrivals.slice(0, -1);
    var total = done.reduce(function (sum, n) { return sum + n; }, 0);
    var rate = done.length ? total / done.length : 0;
    rateText.textContent = (rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10) + " events/s";
  }

  function tone(m) {
    var code = m.status_code;
    if (m.status === "delivered") return "ok";
    if (m.status === "retrying") return "wait";
    if (m.status === "failed") return "bad";
    if (m.status === "suppressed" || m.status === "filtered") return "off";
    if (m.status === "held") return "held";
    if (code != null && (code === 429 || code >= 500)) return "wait";
    if (code != null && code >= 400) return "bad";
    return "queued";
  }

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = value;
    return node;
  }

  // --- filters and counts ----------------------------------------------------------------

  function matches(m) {
    if (filter.status && m.status !== filter.status) return false;
    if (!filter.text) return true;
    var haystack = [m.event, m.destination_event, m.type].join(" ").toLowerCase();
    return haystack.indexOf(filter.text) !== -1;
  }

  function applyFilter(tr, m) {
    var hidden = !matches(m);
    tr.hidden = hidden;
    var row = rows.get(tr.dataset.id);
    if (row && row.detail) row.detail.hidden = hidden;
  }

  function refilter() {
    rows.forEach(function (row) { applyFilter(row.tr, row.message); });
    regroup();
    summarise();
  }

  function summarise() {
    var shown = 0;
    rows.forEach(function (row) { if (!row.tr.hidden) shown += 1; });
    var any = rows.size > 0;
    empty.classList.toggle("is-hidden", any);
    table.classList.toggle("is-hidden", !any);
    noMatch.classList.toggle("is-hidden", !any || shown > 0);
    count.textContent = !any ? "" : shown === rows.size
      ? rows.size + (rows.size === 1 ? " event" : " events") + " (the latest " + MAX_ROWS + " are kept)"
      : "Showing " + shown + " of " + rows.size + " events";
  }

  root.querySelectorAll(".chip[data-status]").forEach(function (chip) {
    chip.addEventListener("click", function () {
      filter.status = chip.dataset.status;
      root.querySelectorAll(".chip[data-status]").forEach(function (other) {
        var active = other === chip;
        other.classList.toggle("is-active", active);
        other.setAttribute("aria-pressed", String(active));
      });
      refilter();
    });
  });

  search.addEventListener("input", function () {
    filter.text = search.value.trim().toLowerCase();
    refilter();
  });

  // --- pause -----------------------------------------------------------------------------

  function setPaused(value) {
    paused = value;
    pauseButton.setAttribute("aria-pressed", String(paused));
    pauseLabel.textContent = paused ? "Resume" : "Pause";
    pausedBanner.classList.toggle("is-hidden", !paused);
    if (!paused) {
      pending = pending.concat(buffered);
      buffered = [];
      bufferedCount = 0;
      schedule();
    }
    bufferedText.textContent = String(bufferedCount);
  }

  pauseButton.addEventListener("click", function () { setPaused(!paused); });
  root.querySelector("[data-action='resume']").addEventListener("click", function () {
    setPaused(false);
  });

  // --- details ---------------------------------------------------------------------------

  function toggle(tr) {
    var row = rows.get(tr.dataset.id);
    if (!row) return;
    if (row.detail) {
      row.detail.remove();
      row.detail = null;
      tr.setAttribute("aria-expanded", "false");
      return;
    }
    var detail = document.createElement("tr");
    detail.className = "live-detail";
    var cell = document.createElement("td");
    cell.colSpan = COLUMNS;
    cell.textContent = "Loading…";
    detail.appendChild(cell);
    tr.after(detail);
    row.detail = detail;
    tr.setAttribute("aria-expanded", "true");
    load(row);
  }

  function load(row) {
    var url = root.dataset.detailUrl.replace(/0\.json$/, row.message.delivery_id + ".json");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
          return data;
        });
      })
      .then(function (data) { if (row.detail) renderDetail(row.detail.firstChild, data); })
      .catch(function (error) {
        if (row.detail) row.detail.firstChild.textContent = "Could not load the details: " + error.message;
      });
  }

  function renderDetail(cell, data) {
    var d = data.delivery;
    var header = text("div", "live-detail-header", "");
    header.appendChild(text("span", "muted small", "messageId "));
    header.appendChild(text("code", "", d.id || ""));
    header.appendChild(text("span", "muted small", " · " + d.attempts +
      (d.attempts === 1 ? " attempt" : " attempts")));
    if (d.error) header.appendChild(text("p", "live-detail-error", d.error));
    (d.warnings || []).forEach(function (w) { header.appendChild(text("p", "live-warning", w)); });

    var exchanges = text("div", "live-exchanges", "");
    var requests = data.requests || [];
    if (!requests.length) {
      var why = d.status === "suppressed" || d.status === "filtered"
        ? "Nothing is sent: this event was " + d.status + (d.error ? " (" + d.error + ")." : ".")
        : d.status === "held"
          ? "Held: the integration is disabled. This event is sent when it is enabled."
          : "No request.";
      exchanges.appendChild(section(destination + " request", [note(why)]));
    }
    requests.forEach(function (request) { exchanges.appendChild(exchange(request)); });

    var grid = text("div", "live-detail-grid", "");
    grid.appendChild(section("Source event", [code(data.event, "source-event")]));
    grid.appendChild(exchanges);
    cell.replaceChildren(header, grid);
  }

  // One request to the destination beside its answer.
  function exchange(request) {
    var node = text("div", "live-exchange", "");
    var asked = [];
    var answered = [];
    if (!request.sent) {
      asked.push(note("Not sent yet. These items go to " + request.endpoint + ":"));
      asked.push(code(request.body, "request-body"));
      answered.push(note("No answer yet."));
    } else {
      asked.push(text("p", "live-request-line", request.method + " " + request.url));
      if (request.batch_size > 1) {
        asked.push(note("Sent in a batch of " + request.batch_size +
          " items; this event's items are shown."));
      }
      asked.push(code(request.body, "request-body"));
      var response = request.response;
      var status = response.status_code == null ? "No answer" : "HTTP " + response.status_code;
      answered.push(text("p", "live-request-line", status + " · " + response.latency_ms + " ms"));
      if (response.error) answered.push(text("p", "live-detail-error", response.error));
      answered.push(code(response.body, "response-body"));
    }
    node.appendChild(section(destination + " request · " + request.endpoint, asked));
    node.appendChild(section(destination + " response", answered));
    return node;
  }

  function section(title, parts) {
    var node = text("section", "live-detail-section", "");
    node.appendChild(text("h3", "", title));
    parts.forEach(function (part) { node.appendChild(part); });
    return node;
  }

  // A code box that wraps, with a Copy button for its text.
  function code(value, testid) {
    var body = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    var box = text("div", "live-code-box", "");
    var pre = text("pre", "live-code-block", body);
    pre.dataset.testid = testid;
    var button = text("button", "button button-small live-copy", "Copy");
    button.type = "button";
    button.addEventListener("click", function () { copyText(button, body); });
    box.append(button, pre);
    return box;
  }

  function copyText(button, body) {
    var done = function (label) {
      button.textContent = label;
      window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
    };
    if (!navigator.clipboard) return done("Copy failed");
    navigator.clipboard.writeText(body).then(
      function () { done("Copied"); },
      function () { done("Copy failed"); }
    );
  }

  function note(value) {
    return text("p", "muted small", value);
  }

  tbody.addEventListener("click", function (event) {
    var repeat = event.target.closest(".live-repeat");
    if (repeat) {
      var id = repeat.closest("tr").dataset.id;
      if (unfolded.has(id)) unfolded.delete(id); else unfolded.add(id);
      regroup();
      return;
    }
    var copy = event.target.closest(".live-copy");
    if (copy) return;
    var tr = event.target.closest("tr.live-row");
    if (tr && !window.getSelection().toString()) toggle(tr);
  });
  tbody.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    var tr = event.target.closest("tr.live-row");
    if (tr && event.target === tr) {
      event.preventDefault();
      toggle(tr);
    }
  });
  tbody.addEventListener("animationend", function (event) {
    event.target.classList.remove("is-new", "is-changed");
  });

  // --- connection ------------------------------------------------------------------------

  var failures = 0;

  function setState(state, detail) {
    connection.dataset.state = state;
    connectionText.textContent = detail || STATE_TEXT[state];
  }

  function connect() {
    setState(failures ? "reconnecting" : "connecting");
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + root.dataset.socketPath);
    socket.onopen = function () {
      failures = 0;
      setState("live");
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      receive(message);
    };
    socket.onclose = function () {
      failures += 1;
      // 1 s doubling to 30 s, with jitter so many open pages don't reconnect in step.
      var delay = Math.min(30000, 1000 * Math.pow(2, failures - 1)) * (0.75 + Math.random() / 2);
      setState("reconnecting", "Reconnecting in " + Math.max(1, Math.round(delay / 1000)) + " s…");
      window.setTimeout(connect, delay);
    };
  }

  summarise();
  arrivals.push(0);
  tick();
  window.setInterval(tick, 1000);
  connect();
})();
