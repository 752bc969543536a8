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

  const show = (index) => {
    at = index;
    const step = index < 0 ? "" : String(order[index]);
    q(".step-io").forEach((el) => { el.hidden = el.dataset.step !== step; });
    q("#steps .node, #timeline .tick").forEach((el) => {
      el.classList.toggle("selected", el.dataset.step === step);
      el.classList.toggle("done", index >= 0 && order.indexOf(Number(el.dataset.step)) < index);
    });
    const tick = step && player.querySelector(`#timeline .tick[data-step="${step}"]`);
    cursor.style.left = tick ? tick.style.left : "0";
    const node = step && player.querySelector(`#steps .node[data-step="${step}"]`);
    if (node) node.scrollIntoView({ block: "nearest" });
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
    show(order.indexOf(Number(target.dataset.step)));
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
