// Tracehouse tape player: step through a published run, by hand or playing at 0.5x-4x.
"use strict";

function setupPlayer() {
  const player = document.getElementById("player");
  if (!player) return;
  const q = (sel) => Array.from(player.querySelectorAll(sel));
  const order = player.dataset.order ? player.dataset.order.split(",").map(Number) : [];
  const play = document.getElementById("play");
  const speed = document.getElementById("speed");
  const position = document.getElementById("position");
  const cursor = document.getElementById("cursor");
  const STEP_MS = 1200;  // one step per 1.2 s at 1x
  let at = -1;           // index into `order`; -1 is the trace overview
  let timer = null;

  // Each step's elements, found once: showing a step touches only what changes (the
  // steps between the old and the new position), so a tape of thousands of steps plays smoothly.
  const parts = new Map();
  const part = (step) => parts.get(step) || parts.set(step, { io: [], marks: [] }).get(step);
  q(".step-io").forEach((el) => part(el.dataset.step).io.push(el));
  q("#steps .node, #timeline .tick").forEach((el) => part(el.dataset.step).marks.push(el));
  const rank = new Map(order.map((step, index) => [step, index]));
  const key = (index) => (index < 0 ? "" : String(order[index]));
  const mark = (index, name, on) => part(key(index)).marks.forEach((el) => el.classList.toggle(name, on));

  // Scroll the steps pane only (scrollIntoView also scrolled the page, repainting all of it).
  const pane = player.querySelector(".tree-pane");
  const reveal = (node) => {
    const box = node.getBoundingClientRect();
    const view = pane.getBoundingClientRect();
    if (box.top < view.top) pane.scrollTop -= view.top - box.top;
    else if (box.bottom > view.bottom) pane.scrollTop += box.bottom - view.bottom;
  };

  const show = (index) => {
    const before = at;
    at = index;
    part(key(before)).io.forEach((el) => { el.hidden = true; });
    part(key(index)).io.forEach((el) => { el.hidden = false; });
    if (before >= 0) mark(before, "selected", false);
    if (index >= 0) mark(index, "selected", true);
    const last = Math.min(Math.max(before, index), order.length - 1);
    for (let r = Math.max(0, Math.min(before, index)); r <= last; r++) mark(r, "done", r < index);
    const tick = index >= 0 && part(key(index)).marks.find((el) => el.classList.contains("tick"));
    cursor.style.left = tick ? tick.style.left : "0";
    const node = index >= 0 && part(key(index)).marks.find((el) => el.classList.contains("node"));
    if (node) reveal(node);
    position.textContent = `${index + 1} / ${order.length}`;
  };
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-label", "Play");
  };
  const tick = () => { if (at + 1 >= order.length) stop(); else show(at + 1); };
  const start = () => {
    if (at + 1 >= order.length) show(-1);
    clearInterval(timer);
    timer = setInterval(tick, STEP_MS / Number(speed.value));
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-label", "Pause");
    tick();
  };
  play.addEventListener("click", () => (timer ? stop() : start()));
  speed.addEventListener("change", () => { if (timer) { clearInterval(timer); timer = setInterval(tick, STEP_MS / Number(speed.value)); } });
  document.getElementById("restart").addEventListener("click", () => { stop(); show(-1); });
  player.addEventListener("click", (event) => {
    const target = event.target.closest("[data-step]");
    if (!target || target.classList.contains("step-io")) return;
    stop();
    show(rank.get(Number(target.dataset.step)) ?? -1);
  });
  player.addEventListener("keydown", (event) => {
    if (event.target.closest("select")) return;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") show(Math.min(at + 1, order.length - 1));
    else if (event.key === "ArrowUp" || event.key === "ArrowLeft") show(Math.max(at - 1, -1));
    else if (event.key === " ") { if (timer) stop(); else start(); }
    else return;
    event.preventDefault();
  });
  if (player.dataset.autoplay && order.length && !matchMedia("(prefers-reduced-motion: reduce)").matches) start();
}

document.addEventListener("DOMContentLoaded", setupPlayer);
