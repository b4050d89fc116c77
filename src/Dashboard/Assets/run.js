"use strict";
(() => {
  const [, , ns, name] = location.pathname.split("/").map(decodeURIComponent);
  const $ = id => document.getElementById(id);
  const el = lora.el;
  let chart = null;
  document.title = name + " · " + ns + " · LoraTrainer";
  $("title").textContent = name;

  function facts(d) {
    const r = d.run;
    const items = [["Namespace", r.namespace], ["Phase", r.phase], ["Progress", r.progress === null ? "" : r.progress + "%"],
      ["Epoch", r.epoch === null ? "" : r.epoch + (r.totalEpochs ? " of " + r.totalEpochs : "")], ["Loss", lora.num(r.loss, 4)],
      ["GPU", r.gpu ?? ""], ["Price", r.pricePerHour === null ? "" : "$" + lora.num(r.pricePerHour, 3) + "/h"],
      ["Cost so far", r.costUsd === null ? "" : "$" + lora.num(r.costUsd, 2)], ["Age", lora.age(r.created)]];
    $("facts").replaceChildren(...items.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", { class: k === "Phase" ? "phase-" + v : null }, v))));
    $("message").textContent = r.message ?? "";
  }

  function rows(id, list, cells) { $(id).replaceChildren(...list.map(x => el("tr", {}, ...cells(x).map(c => c instanceof Node ? c : el("td", {}, c))))); }

  function drawChart(d) {
    const points = d.epochs.filter(e => e.epoch > 0 && (e.loss !== null || e.validationLoss !== null));
    const x = points.map(e => e.epoch);
    const data = [x, points.map(e => e.loss), points.map(e => e.validationLoss), points.map(e => e.epoch === d.chosenEpoch ? (e.validationLoss ?? e.loss) : null)];
    $("loss").setAttribute("data-points", String(points.length));
    $("chosen").textContent = d.chosenEpoch ? "Chosen epoch: " + d.chosenEpoch + " (" + (d.chosenBy === "user" ? "by the user" : "lowest loss") + ")" : "No epoch chosen yet.";
    rows("losses", points, e => [String(e.epoch), el("td", { class: "num" }, lora.num(e.loss, 4)), el("td", { class: "num" }, lora.num(e.validationLoss, 4))]);
    const width = Math.max(280, $("chart").clientWidth);
    if (chart && chart.width === width) { chart.setData(data); return; }
    if (chart) chart.destroy();
    chart = new uPlot({
      width, height: 240, legend: { show: true, live: false },
      scales: { x: { time: false } },
      axes: [{ label: "epoch", incrs: [1, 2, 5, 10, 20, 50] }, { label: "loss" }],
      series: [{ label: "epoch" },
        { label: "training loss", stroke: "#0b5cad", width: 2, points: { show: true } },
        { label: "validation loss", stroke: "#8a4600", width: 2, dash: [6, 4], points: { show: true } },
        { label: "chosen epoch", stroke: "#116329", width: 0, points: { show: true, size: 12, fill: "#116329" } }],
    }, data, $("chart"));
  }

  function grid(d) {
    const sampled = d.epochs.filter(e => e.samples.length > 0);
    $("grid-head").replaceChildren(el("tr", {}, el("th", { scope: "col" }, "Epoch"), ...d.prompts.map((p, i) => el("th", { scope: "col" }, "Prompt " + (i + 1) + ": " + p))));
    rows("grid", sampled, e => [el("th", { scope: "row" }, e.epoch === 0 ? "before training" : "epoch " + e.epoch),
      ...d.prompts.map((p, i) => {
        const s = e.samples.find(x => x.prompt === i);
        if (!s) return "";
        if (!s.link) return el("td", { class: "muted" }, s.error ?? "missing");
        return el("td", {}, el("a", { href: s.link }, el("img", { src: s.link, alt: "Epoch " + e.epoch + ", prompt " + (i + 1) + ": " + p, loading: "lazy", width: "128", height: "128" })));
      })]);
    if (sampled.length === 0) $("grid").replaceChildren(el("tr", {}, el("td", { class: "muted" }, "No sample images yet.")));
  }

  function commands(d) {
    $("commands").replaceChildren(...d.commands.map(c => {
      const code = el("code", {}, c.command);
      const copy = el("button", { type: "button", "aria-label": "Copy: " + c.command }, "Copy");
      copy.addEventListener("click", async () => {
        try { await navigator.clipboard.writeText(c.command); copy.textContent = "Copied"; } catch { copy.textContent = "Select and copy"; }
      });
      return el("li", {}, el("span", {}, c.label + ":"), code, copy);
    }));
  }

  async function refresh() {
    let d;
    try {
      d = await lora.json("/api/runs/" + encodeURIComponent(ns) + "/" + encodeURIComponent(name));
    } catch (e) {
      $("status").textContent = e.message;
      return;
    }
    $("status").textContent = "";
    facts(d);
    rows("timeline", d.timeline, t => [t.label, lora.time(t.at), t.deadline ? lora.time(t.deadline) + " (" + t.deadlineReason + ")" : ""]);
    rows("conditions", d.conditions, c => [c.type, c.status, c.reason, el("td", { class: "message" }, c.message), lora.time(c.since)]);
    drawChart(d);
    grid(d);
    rows("downloads", d.downloads, f => [el("td", {}, el("a", { href: f.link, download: "" }, f.label), " ", el("code", {}, f.key)),
      el("td", { class: "num" }, lora.bytes(f.bytes)), el("td", {}, f.sha256 ? el("code", {}, f.sha256) : el("span", { class: "muted" }, "not recorded"))]);
    commands(d);
    rows("events", d.events, e => [e.type, e.reason, el("td", { class: "message" }, e.message), el("td", { class: "num" }, String(e.count)), lora.time(e.lastSeen)]);
  }

  const later = lora.debounce(refresh, 200);
  lora.live((n, m) => { if (n === ns && m === name) later(); });
  refresh();
})();
