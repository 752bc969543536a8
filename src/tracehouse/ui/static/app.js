// Tracehouse web UI: small, dependency-free behaviour on top of server-rendered pages.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

function setupTheme() {
  const button = $("#theme-toggle");
  if (!button) return;
  button.addEventListener("click", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("th-theme", next);
  });
}

function setupChrome() {
  const picker = $("#project-picker");
  if (picker) {
    picker.addEventListener("change", () => {
      const section = location.pathname.split("/")[4] || "traces";
      location.href = `/ui/p/${encodeURIComponent(picker.value)}/${section}`;
    });
  }
  document.addEventListener("click", (event) => {
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      navigator.clipboard?.writeText(copy.dataset.copy);
      const label = copy.textContent;
      copy.textContent = "Copied ✓";
      setTimeout(() => { copy.textContent = label; }, 1500);
    }
  });
  $$("form[data-confirm]").forEach((form) => form.addEventListener("submit", (event) => {
    if (!confirm(form.dataset.confirm)) event.preventDefault();
  }));
}

// Lists: click a row to open it; j/k (or arrows) move, Enter opens, / focuses the search.
function setupLists() {
  const table = $("table.list tbody tr[data-href]")?.closest("table");
  document.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input")) location.href = row.dataset.href;
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, select, textarea");
    if (event.key === "/" && !typing && $("#search")) { event.preventDefault(); $("#search").focus(); return; }
    if (typing || !table || event.metaKey || event.ctrlKey || event.altKey) return;
    const rows = $$("tbody tr[data-href]", table);
    if (!rows.length) return;
    let index = rows.findIndex((r) => r.classList.contains("cursor"));
    if (event.key === "j" || event.key === "ArrowDown") index = Math.min(index + 1, rows.length - 1);
    else if (event.key === "k" || event.key === "ArrowUp") index = Math.max(index - 1, 0);
    else if (event.key === "Enter" && index >= 0) { location.href = rows[index].dataset.href; return; }
    else return;
    event.preventDefault();
    rows.forEach((r) => r.classList.remove("cursor"));
    rows[index].classList.add("cursor");
    rows[index].focus({ preventScroll: true });
    rows[index].scrollIntoView({ block: "nearest" });
  });
}

// One /ws connection per page (reconnecting with backoff); each feature adds a handler.
const live = { handlers: [], opened: [], closed: [] };
function connectLive() {
  const project = document.body.dataset.project;
  if (!project || !live.handlers.length) return;
  let backoff = 1000;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws?project_id=${encodeURIComponent(project)}`);
    let ping = null;
    ws.onopen = () => {
      backoff = 1000;
      live.opened.forEach((f) => f());
      ping = setInterval(() => ws.send(JSON.stringify({ type: "ping" })), 25000);
    };
    ws.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "ready") document.body.dataset.live = "ready";
      live.handlers.forEach((f) => f(event));
    };
    ws.onclose = () => {
      live.closed.forEach((f) => f());
      clearInterval(ping);
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  };
  connect();
}

// The trace list follows /ws: on any event it re-renders the first page with the same filters.
function setupLive() {
  const table = $("#trace-table");
  if (!table || table.dataset.live !== "on") return;
  const status = $("#live-status");
  let pending = null;
  const refresh = async () => {
    pending = null;
    const params = new URLSearchParams(location.search);
    params.set("_partial", "rows");
    const response = await fetch(`${location.pathname}?${params}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = $("#trace-rows");
    const known = new Set($$("tr[data-id]", body).map((r) => r.dataset.id));
    body.innerHTML = await response.text();
    $$("tr[data-id]", body).forEach((r) => { if (!known.has(r.dataset.id)) r.classList.add("fresh"); });
    if ($$("tr[data-id]", body).length) {
      $(".onboarding")?.remove();
      table.classList.remove("is-empty");
    }
    const count = $("#trace-count");
    if (count && response.headers.get("X-Total-Count")) count.textContent = Number(response.headers.get("X-Total-Count")).toLocaleString();
  };
  live.opened.push(() => status?.classList.add("on"));
  live.closed.push(() => status?.classList.remove("on"));
  live.handlers.push((event) => {
    if (event.type === "trace.created" || event.type === "trace.updated") {
      if (!pending) pending = setTimeout(refresh, 250);  // one refresh per burst
    }
  });
}

// The header bell: the unread count follows the person's notifications live.
function setupBell() {
  const bell = $("#bell");
  if (!bell) return;
  live.handlers.push((event) => {
    if (event.type !== "notification.created") return;
    $("#bell-count").textContent = event.unread;
    bell.classList.toggle("has-unread", event.unread > 0);
    bell.setAttribute("aria-label", `Notifications: ${event.unread} unread`);
    bell.title = event.summary;
  });
}

// The trace page: select a node to load its detail; fold subtrees; arrows move, ←/→ fold.
function setupTree() {
  const view = $("#trace-view");
  if (!view) return;
  const detail = $("#detail");
  const traceDetail = detail.innerHTML;
  const nodes = () => $$("#tree .node:not(.hidden)");
  let latest = 0;
  const select = async (node) => {
    $$("#tree .node.selected").forEach((n) => n.classList.remove("selected"));
    node.classList.add("selected");
    node.focus({ preventScroll: true });
    node.scrollIntoView({ block: "nearest" });
    history.replaceState(null, "", node.dataset.id ? `#${encodeURIComponent(node.dataset.id)}` : location.pathname + location.search);
    if (!node.dataset.id) { latest++; detail.innerHTML = traceDetail; return; }
    const ticket = ++latest;  // only the last selection's answer is shown
    detail.setAttribute("aria-busy", "true");
    let html = "<p class='alert'>Could not load this observation.</p>";
    try {
      const response = await fetch(view.dataset.base + encodeURIComponent(node.dataset.id));
      if (response.ok) html = await response.text();
    } catch (error) { /* keep the message */ }
    if (ticket !== latest) return;
    detail.innerHTML = html;
    detail.removeAttribute("aria-busy");
    $$("textarea[data-mentions]", detail).forEach((box) => mentionBox(box, ++mentionBoxes));
  };
  const fold = (node, open) => {
    if (!node.dataset.parent) return;
    node.setAttribute("aria-expanded", open ? "true" : "false");
    const depth = Number(node.dataset.depth);
    let next = node.nextElementSibling;
    let hiddenBelow = null;
    while (next && Number(next.dataset.depth) > depth) {
      const d = Number(next.dataset.depth);
      if (hiddenBelow !== null && d > hiddenBelow) { next = next.nextElementSibling; continue; }
      hiddenBelow = null;
      next.classList.toggle("hidden", !open);
      if (open && next.getAttribute("aria-expanded") === "false") hiddenBelow = d;
      next = next.nextElementSibling;
    }
  };
  $("#tree").addEventListener("click", (event) => {
    const node = event.target.closest(".node");
    if (!node) return;
    if (event.target.closest(".fold")) { fold(node, node.getAttribute("aria-expanded") === "false"); return; }
    select(node);
  });
  $("#tree").addEventListener("keydown", (event) => {
    const node = event.target.closest(".node");
    if (!node) return;
    const list = nodes();
    const index = list.indexOf(node);
    if (event.key === "ArrowDown" || event.key === "j") select(list[Math.min(index + 1, list.length - 1)]);
    else if (event.key === "ArrowUp" || event.key === "k") select(list[Math.max(index - 1, 0)]);
    else if (event.key === "ArrowLeft") fold(node, false);
    else if (event.key === "ArrowRight") fold(node, true);
    else return;
    event.preventDefault();
  });
  const wanted = decodeURIComponent(location.hash.slice(1));
  const start = wanted && $$("#tree .node").find((n) => n.dataset.id === wanted);
  if (start) select(start);
}

// Import forms: a chosen file is read into the form's text box (the form posts text, not files).
function setupFileFields() {
  $$("input[type=file][data-fills]").forEach((input) => input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    $(`#${input.dataset.fills}`).value = await file.text();
    const format = $("#import-format");
    if (format) format.value = /\.csv$/i.test(file.name) ? "csv" : "jsonl";
  }));
}

// The evaluator form: show the fields of the chosen kind; a new template re-renders the form
// (its variables and preview) without saving.
function setupEvaluatorForm() {
  const kind = $("#evaluator-kind");
  if (!kind) return;
  const show = () => $$("[data-kind]").forEach((el) => { el.hidden = !el.dataset.kind.split(" ").includes(kind.value); });
  kind.addEventListener("change", show);
  $("#judge-template")?.addEventListener("change", () => $("#preview-button").click());
}

// The annotation screen: digits choose a score, Enter saves, j/k next/previous, s skip,
// c comment, q back to the queue, Esc leaves a field.
function setupAnnotate() {
  const screen = $("#annotate");
  if (!screen) return;
  const form = $("#annotation");
  const go = (url) => { if (url) location.href = url; };
  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey) {
      if (form && event.key === "Enter" && (event.metaKey || event.ctrlKey)) form.requestSubmit();
      return;
    }
    const typing = event.target.closest("input[type=number], input[type=text], textarea, select");
    if (typing) { if (event.key === "Escape") typing.blur(); return; }
    const choice = form && /^[1-9]$/.test(event.key) && $(`input[data-key="${event.key}"]`, form);
    const number = form && /^[0-9.-]$/.test(event.key) && $("#score-value");
    if (choice) { choice.checked = true; choice.focus(); }
    else if (number) { number.value = event.key; number.focus(); }
    else if (event.key === "Enter" && form) form.requestSubmit();
    else if (event.key === "j" || event.key === "ArrowRight") go(screen.dataset.next);
    else if (event.key === "k" || event.key === "ArrowLeft") go(screen.dataset.previous);
    else if (event.key === "s") go(screen.dataset.skip);
    else if (event.key === "q") go(screen.dataset.done);
    else if (event.key === "c" && $("#comment")) $("#comment").focus();
    else return;
    event.preventDefault();
  });
}

// A fork page with a queued or running replay: refresh its replays until each has ended.
function setupReplays() {
  const section = $("#replays[data-running]");
  if (!section) return;
  const refresh = async () => {
    const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const html = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = $("#replays", html);
    if (!fresh) return;
    $("#replays").replaceWith(fresh);
    const facts = $("#fork-facts", html);
    if (facts && $("#fork-facts")) $("#fork-facts").replaceWith(facts);
    if (fresh.dataset.running) setTimeout(refresh, 1000);
  };
  setTimeout(refresh, 500);
}

// Popovers (the trace list's "More", "Columns", "Views"): one open at a time, kept inside the
// viewport, closed by a click outside or Escape. Column picker: ↑ moves a column up.
function setupPopovers() {
  const popovers = $$("details.popover");
  if (!popovers.length) return;
  const place = (details) => {
    const panel = $(".more-grid", details);
    if (!panel) return;
    panel.style.left = "";
    const room = document.documentElement.clientWidth - 8;
    const over = panel.getBoundingClientRect().right - room;
    if (over > 0) panel.style.left = `${panel.offsetLeft - over}px`;
    const under = 8 - panel.getBoundingClientRect().left;
    if (under > 0) panel.style.left = `${panel.offsetLeft + under}px`;
  };
  popovers.forEach((details) => details.addEventListener("toggle", () => {
    if (!details.open) return;
    popovers.forEach((other) => { if (other !== details) other.open = false; });
    place(details);
  }));
  popovers.filter((d) => d.open).forEach(place);
  document.addEventListener("click", (event) => {
    popovers.forEach((d) => { if (d.open && !d.contains(event.target)) d.open = false; });
    const up = event.target.closest(".move-up");
    const item = up?.closest("li");
    if (item?.previousElementSibling) item.parentElement.insertBefore(item, item.previousElementSibling);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") popovers.forEach((d) => { d.open = false; });
  });
}

// Comment boxes: `@` opens the organization's members (from the box's data-mentions), filtered
// by what follows it; ↑/↓ move, Enter or Tab inserts `@email `, Esc closes, a click chooses.
let mentionBoxes = 0;
function setupMentions() {
  $$("textarea[data-mentions]").forEach((box) => mentionBox(box, ++mentionBoxes));
}

function mentionMatches(people, text) {
  const starts = (value) => (value || "").toLowerCase().split(/\s+/).some((w) => w.startsWith(text));
  return people.filter((p) => p.email.toLowerCase().startsWith(text) || starts(p.name)).slice(0, 8);
}

function mentionBox(box, n) {
  const people = JSON.parse(box.dataset.mentions || "[]");
  const list = document.createElement("ul");
  Object.assign(list, { id: `mentions-${n}`, className: "mention-list", hidden: true });
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Members to mention");
  box.after(list);
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", list.id);
  let shown = [], index = 0, start = 0;
  const close = () => { list.hidden = true; shown = []; box.removeAttribute("aria-activedescendant"); };
  const render = () => {
    list.replaceChildren(...shown.map((person, i) => {
      const item = document.createElement("li");
      Object.assign(item, { id: `${list.id}-${i}` });
      item.dataset.index = i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(i === index));
      const email = document.createElement("span");
      email.textContent = person.email;
      if (person.name) {
        const name = document.createElement("span");
        name.textContent = person.name;
        email.className = "muted small";
        item.append(name);
      }
      item.append(email);
      return item;
    }));
    box.setAttribute("aria-activedescendant", `${list.id}-${index}`);
  };
  const update = () => {
    const typed = /(?:^|[\s(])@([^\s@]*)$/.exec(box.value.slice(0, box.selectionStart));
    if (!typed) return close();
    start = box.selectionStart - typed[1].length - 1;
    shown = mentionMatches(people, typed[1].toLowerCase());
    if (!shown.length) return close();
    index = 0;
    render();
    list.style.top = `${box.offsetTop + box.offsetHeight}px`;  // right under the box
    list.hidden = false;
  };
  const choose = (i) => {
    const end = box.selectionStart, text = `@${shown[i].email} `;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.setSelectionRange(start + text.length, start + text.length);
    close();
    box.focus();
  };
  box.addEventListener("input", update);
  box.addEventListener("blur", close);
  box.addEventListener("keydown", (event) => {
    if (list.hidden || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "ArrowDown") index = (index + 1) % shown.length;
    else if (event.key === "ArrowUp") index = (index - 1 + shown.length) % shown.length;
    else if (event.key === "Enter" || event.key === "Tab") { event.preventDefault(); choose(index); return; }
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
    event.stopPropagation();
    if (!list.hidden) render();
  });
  list.addEventListener("mousedown", (event) => {
    const item = event.target.closest("li");
    event.preventDefault();  // the box keeps the focus
    if (item) choose(Number(item.dataset.index));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupTheme();
  setupPopovers();
  setupChrome();
  setupLists();
  setupLive();
  setupBell();
  connectLive();
  setupTree();
  setupFileFields();
  setupEvaluatorForm();
  setupAnnotate();
  setupReplays();
  setupMentions();
});
