"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const ns = document.getElementById("namespace");
  const phase = document.getElementById("phase");
  const body = document.querySelector("#runs tbody");
  const status = document.getElementById("status");
  const known = new Set();
  phase.value = params.get("phase") || "";

  async function refresh() {
    const query = new URLSearchParams();
    if (ns.value) query.set("namespace", ns.value);
    if (phase.value) query.set("phase", phase.value);
    history.replaceState(null, "", query.toString() ? "?" + query : location.pathname);
    let rows;
    try {
      rows = await lora.json("/api/runs?" + query);
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    for (const r of rows) {
      if (!known.has(r.namespace)) {
        known.add(r.namespace);
        ns.append(lora.el("option", { value: r.namespace }, r.namespace));
      }
    }
    body.replaceChildren(...rows.map(r => lora.el("tr", { "data-run": r.namespace + "/" + r.name },
      lora.el("td", {}, r.namespace),
      lora.el("td", {}, lora.el("a", { href: "/runs/" + encodeURIComponent(r.namespace) + "/" + encodeURIComponent(r.name) }, r.name)),
      lora.el("td", { class: "phase-" + r.phase }, r.phase),
      lora.el("td", { class: "num" }, r.progress ?? ""),
      lora.el("td", { class: "num" }, r.epoch ?? ""),
      lora.el("td", { class: "num" }, lora.num(r.loss, 4)),
      lora.el("td", {}, r.gpu ?? ""),
      lora.el("td", { class: "num" }, lora.num(r.pricePerHour, 2)),
      lora.el("td", { class: "num" }, lora.num(r.costUsd, 2)),
      lora.el("td", { title: lora.time(r.created) }, lora.age(r.created)),
      lora.el("td", { class: "message" }, r.message ?? ""))));
    status.textContent = rows.length === 0 ? "No runs you may see." : rows.length + (rows.length === 1 ? " run" : " runs");
  }

  ns.value = params.get("namespace") || "";
  if (ns.value && !known.has(ns.value)) { known.add(ns.value); ns.append(lora.el("option", { value: ns.value }, ns.value)); ns.value = params.get("namespace"); }
  ns.addEventListener("change", refresh);
  phase.addEventListener("change", refresh);
  lora.live(lora.debounce(refresh, 250));
  refresh();
})();
