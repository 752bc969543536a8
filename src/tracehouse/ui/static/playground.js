// The playground page: edit messages and models, Run (server-sent events read from a fetch
// stream, one column per model), and fill the "save as prompt version" form. No dependencies.
"use strict";

(() => {
  const root = document.getElementById("playground");
  if (!root) return;
  const state = JSON.parse(root.dataset.state);
  const $ = (sel, el = document) => el.querySelector(sel);
  const $$ = (sel, el = document) => Array.from(el.querySelectorAll(sel));

  const messages = () => $$("#pg-messages .pg-message").map((row) => ({
    role: $(".pg-role", row).value, content: $(".pg-content", row).value,
  }));
  const targets = () => $$("#pg-targets .pg-target").map((row) => ({
    provider: $(".pg-provider", row).value, model: $(".pg-model", row).value.trim() || null,
  }));
  function params() {
    const out = {};
    const number = (id, name) => { const v = $(id).value.trim(); if (v !== "") out[name] = Number(v); };
    number("#pg-temperature", "temperature");
    number("#pg-max-tokens", "max_tokens");
    number("#pg-top-p", "top_p");
    const stop = $("#pg-stop").value.split(",").map((s) => s.trim()).filter(Boolean);
    if (stop.length) out.stop = stop;
    return out;
  }

  // Editing: add and remove messages and models.
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.id === "pg-add-message") {
      $("#pg-messages").append($("#pg-message-template").content.cloneNode(true));
    } else if (button.classList.contains("pg-remove") && messages().length > 1) {
      button.closest(".pg-message").remove();
    } else if (button.id === "pg-add-target") {
      const rows = $$("#pg-targets .pg-target");
      const copy = rows[rows.length - 1].cloneNode(true);
      $(".pg-model", copy).value = "";
      $("#pg-targets").append(copy);
    } else if (button.classList.contains("pg-remove-target") && targets().length > 1) {
      button.closest(".pg-target").remove();
    } else if (button.id === "pg-run") {
      run();
    }
  });
  if (state.credential && $(".pg-provider")) $(".pg-provider").value = state.credential;

  // Results: one column per model, filled as events arrive.
  const columns = [];
  const money = (v) => (v === null || v === undefined ? "–" : v === 0 ? "$0" : v < 1 ? `$${v.toFixed(6)}` : `$${v.toFixed(2)}`);
  const ms = (v) => (v === null || v === undefined ? "–" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
  function startColumns(runs) {
    const results = $("#pg-results");
    results.replaceChildren();
    columns.length = 0;
    for (const r of runs) {
      const card = $("#pg-result-template").content.firstElementChild.cloneNode(true);
      $(".pg-title", card).textContent = `${r.model} · ${r.provider}`;
      card.dataset.index = r.index;
      results.append(card);
      columns[r.index] = card;
    }
  }
  function finish(r) {
    const card = columns[r.index];
    if (!card) return;
    const u = r.usage || {};
    $(".pg-tokens", card).textContent = u.total_tokens == null ? "–" : `${u.input_tokens ?? 0} in · ${u.output_tokens ?? 0} out`;
    $(".pg-cost", card).textContent = money(r.cost);
    $(".pg-latency", card).textContent = ms(r.latency_ms);
    $(".pg-ttft", card).textContent = ms(r.time_to_first_token_ms);
    if (r.trace_id) {
      const link = $(".pg-trace", card);
      link.textContent = r.trace_id;
      link.href = `/ui/p/${document.body.dataset.project}/traces/${encodeURIComponent(r.trace_id)}`;
    }
    if (r.tool_calls && r.tool_calls.length) {
      $(".pg-output", card).textContent += r.tool_calls.map((c) => `\n→ ${c.name}(${c.arguments})`).join("");
    }
    if (r.error) { const e = $(".pg-run-error", card); e.textContent = r.error; e.hidden = false; }
    card.classList.add("done");
  }
  const handlers = {
    start: (d) => startColumns(d.runs),
    delta: (d) => { const card = columns[d.index]; if (card) $(".pg-output", card).textContent += d.text; },
    run: finish,
    done: () => { $("#pg-status").textContent = "Done."; },
  };

  function showError(message) {
    const box = $("#pg-error");
    box.textContent = message;
    box.hidden = !message;
  }

  async function readEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const kind = (block.match(/^event: (.*)$/m) || [])[1];
        const data = (block.match(/^data: (.*)$/m) || [])[1];
        if (kind && data && handlers[kind]) handlers[kind](JSON.parse(data));
      }
    }
  }

  async function run() {
    const button = $("#pg-run");
    button.disabled = true;
    showError("");
    $("#pg-status").textContent = "Running…";
    const body = { messages: messages(), targets: targets(), params: params(), stream: true, source: state.source };
    try {
      const response = await fetch(state.runs_url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream", "X-CSRF-Token": state.csrf },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        showError((answer.error && answer.error.message) || `The run failed (HTTP ${response.status}).`);
        $("#pg-status").textContent = "";
        return;
      }
      await readEvents(response);
    } catch (error) {
      showError(`The run was cut off: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // Saving: the form carries what is on the page when it is submitted.
  const save = document.getElementById("pg-save");
  if (save) {
    save.addEventListener("submit", () => {
      const first = targets()[0] || {};
      const option = $(".pg-provider") && $(".pg-provider").selectedOptions[0];
      save.elements.messages.value = JSON.stringify(messages());
      save.elements.params.value = JSON.stringify(params());
      save.elements.model.value = first.model || (option && option.dataset.model) || "";
      save.elements.provider.value = first.provider || "";
    });
  }
})();
