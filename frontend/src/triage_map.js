// The triage maps: the board's filtered reports as pins (grouped by the server when there are many), and a
// report's place with the open reports near it on the detail panel. Words and data come from the page
// (json_script); tiles may be missing, and the lists on the page still reach every report.
import { L, createMap, pinIcon } from "./reports_map.js";

function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function clusterIcon(count, label) {
  const size = count < 10 ? 30 : count < 100 ? 38 : count < 1000 ? 46 : 54;
  return L.divIcon({
    className: "triage-cluster",
    html: `<span aria-hidden="true">${count >= 10000 ? `${Math.round(count / 1000)}k` : count}</span><span class="visually-hidden">${escapeHtml(label)}</span>`,
    iconSize: [size, size],
  });
}

function pinMarker(pin, statuses) {
  const label = `${pin.reference} ${pin.title || ""} (${statuses[pin.status] || pin.status})`;
  const marker = L.marker([pin.lat, pin.lng], { icon: pinIcon(escapeHtml(label)), title: label, keyboard: true });
  marker.bindPopup(`<a href="${escapeHtml(pin.url)}"><strong>${escapeHtml(pin.reference)}</strong></a> ${escapeHtml(pin.title || "")}<br>${escapeHtml(statuses[pin.status] || pin.status)}`);
  return marker;
}

function boardMap(element, data) {
  const config = data.map;
  const strings = config.strings;
  const section = element.closest("[data-view-panel]");
  const notice = section.querySelector("[data-map-notice]");
  const status = section.querySelector("[data-map-status]");
  let map = null;
  let layer = null;
  let request = 0;

  async function load() {
    const bounds = map.getBounds();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((v) => v.toFixed(5))
      .join(",");
    const mine = ++request;
    let answer;
    try {
      const response = await fetch(`${config.url}&bbox=${bbox}&zoom=${Math.round(map.getZoom())}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      answer = await response.json();
    } catch {
      status.textContent = strings.failed;
      return;
    }
    if (mine !== request) return; // a newer view answered first
    layer.clearLayers();
    answer.pins.forEach((pin) => pinMarker(pin, data.statuses).addTo(layer));
    answer.clusters.forEach((cluster) => {
      const label = format(strings.cluster, { count: cluster.count });
      L.marker([cluster.lat, cluster.lng], { icon: clusterIcon(cluster.count, label), title: label, keyboard: true })
        .on("click", () => map.setView([cluster.lat, cluster.lng], map.getZoom() + 2))
        .addTo(layer);
    });
    status.textContent = answer.clusters.length
      ? format(strings.clustered, { total: answer.total })
      : format(strings.shown, { shown: answer.pins.length, total: answer.total });
    element.dataset.loaded = String(answer.total);
  }

  return function show() {
    if (map) {
      map.invalidateSize();
      return;
    }
    map = createMap(element, { notice, noTilesText: strings.no_tiles });
    map.setView(config.center, config.zoom);
    layer = L.layerGroup().addTo(map);
    map.on("moveend", load);
    load();
  };
}

// The board ↔ map switch: without a reload (the links also work without this script).
function views(showMap) {
  const links = document.querySelectorAll(".triage-views [data-view]");
  function choose(view) {
    document.querySelectorAll("[data-view-panel]").forEach((panel) => {
      panel.hidden = panel.dataset.viewPanel !== view;
    });
    links.forEach((link) => {
      if (link.dataset.view === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    if (view === "map") showMap();
  }
  links.forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const url = new URL(link.href);
      history.replaceState(null, "", url);
      choose(link.dataset.view);
    });
  });
  const current = document.querySelector('.triage-views [aria-current="page"]');
  if (current && current.dataset.view === "map") showMap();
}

function detailMap(element, data) {
  const strings = data.map.strings;
  const notice = element.parentElement.querySelector("[data-map-notice]");
  const map = createMap(element, { notice, noTilesText: strings.no_tiles });
  const here = [data.report.lat, data.report.lng];
  L.marker(here, { icon: pinIcon(escapeHtml(strings.this_report)), title: `${strings.this_report} ${data.report.reference}`, keyboard: false })
    .addTo(map);
  const points = [here];
  data.nearby.forEach((other) => {
    const label = `${other.reference} ${other.title}`;
    L.circleMarker([other.lat, other.lng], { radius: 8, color: "#0b5cab", weight: 2, fillOpacity: 0.5 })
      .bindPopup(`<a href="${escapeHtml(other.url)}"><strong>${escapeHtml(other.reference)}</strong></a> ${escapeHtml(other.title)}`)
      .bindTooltip(label)
      .addTo(map);
    points.push([other.lat, other.lng]);
  });
  if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 18 });
  else map.setView(here, 17);
}

const boardElement = document.querySelector("[data-triage-map]");
const boardData = pageData("triage-data");
if (boardElement && boardData) views(boardMap(boardElement, boardData));

const locationElement = document.querySelector("[data-triage-location]");
const locationData = pageData("triage-location");
if (locationElement && locationData) detailMap(locationElement, locationData);
