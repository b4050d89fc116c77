// Shared by both pages: formatting as kubectl prints it, safe DOM building, and the live stream of changes.
"use strict";
const lora = {
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
    return node;
  },
  num(v, digits) { return v === null || v === undefined ? "" : Number(v).toFixed(digits); },
  age(iso) {
    if (!iso) return "";
    const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
    if (s < 120) return s + "s";
    if (s < 7200) return Math.floor(s / 60) + "m";
    if (s < 172800) return Math.floor(s / 3600) + "h";
    return Math.floor(s / 86400) + "d";
  },
  time(iso) { return iso ? new Date(iso).toLocaleString() : ""; },
  bytes(n) {
    if (n === null || n === undefined) return "";
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  },
  async json(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(response.status === 403 ? "You may not see this." : "The dashboard answered " + response.status + ".");
    return response.json();
  },
  // Calls onChange(namespace, name) for every change the server pushes; the browser reconnects by itself.
  live(onChange) {
    const source = new EventSource("/api/stream");
    source.addEventListener("change", e => { const k = JSON.parse(e.data); onChange(k.namespace, k.name); });
    return source;
  },
  // Coalesces bursts of changes into one refresh.
  debounce(fn, ms) { let t = null; return () => { clearTimeout(t); t = setTimeout(fn, ms); }; },
};
