// The public map of reports: draws the server's vector tiles (grid clusters and single reports, at most 256
// features a tile) as keyboard-focusable Leaflet markers, and announces what is shown in an aria-live region.
// The server-rendered list beside the map is the way to reach every report without the map.
import { VectorTile } from "@mapbox/vector-tile";
import Pbf from "pbf";
import { L, createMap, addOutline } from "./reports_map.js";

const MAX_FEATURES = 1500;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function tileRange(map, zoom) {
  const bounds = map.getPixelBounds();
  const scale = map.getZoomScale(zoom, map.getZoom());
  const min = bounds.min.multiplyBy(scale).divideBy(256).floor();
  const max = bounds.max.multiplyBy(scale).divideBy(256).floor();
  const side = 2 ** zoom;
  const tiles = [];
  for (let x = Math.max(min.x, 0); x <= Math.min(max.x, side - 1); x += 1) {
    for (let y = Math.max(min.y, 0); y <= Math.min(max.y, side - 1); y += 1) tiles.push([x, y]);
  }
  return tiles;
}

function tileLatLng(z, x, y, extent, point) {
  const side = 2 ** z;
  const lng = ((x + point.x / extent) / side) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * (y + point.y / extent)) / side;
  const lat = (180 / Math.PI) * Math.atan(Math.sinh(n));
  return L.latLng(lat, lng);
}

function clusterIcon(count, label) {
  const size = count < 10 ? 30 : count < 100 ? 38 : count < 1000 ? 46 : 54;
  const text = count >= 10000 ? `${Math.round(count / 1000)}k` : String(count);
  return L.divIcon({
    className: "map-cluster",
    html: `<span aria-hidden="true">${text}</span><span class="visually-hidden">${label}</span>`,
    iconSize: [size, size],
  });
}

function reportIcon(status, label) {
  const open = ["new", "acknowledged", "in_progress"].includes(status);
  return L.divIcon({
    className: `map-report map-report--${open ? "open" : "closed"}`,
    html: `<span class="visually-hidden">${label}</span>`,
    iconSize: [18, 18],
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function start() {
  const element = document.querySelector("[data-public-map]");
  if (!element) return;
  const section = element.closest("[data-map-section]");
  const strings = JSON.parse(document.getElementById("public-map-strings").textContent);
  const outline = JSON.parse(document.getElementById("public-map-outline").textContent);
  const status = section.querySelector("[data-map-status]");
  section.hidden = false;

  const centre = element.dataset.center.split(",").map(Number);
  const map = createMap(element, {
    notice: section.querySelector("[data-map-notice]"),
    noTilesText: strings.noTiles,
    options: { keyboard: true, maxZoom: 19 },
  });
  map.setView([centre[0], centre[1]], Number(element.dataset.zoom) || 13);
  if (element.dataset.bbox) {
    const box = element.dataset.bbox.split(",").map(Number);
    map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
  }
  addOutline(map, outline);

  const layer = L.layerGroup().addTo(map);
  const cache = new Map();
  let generation = 0;

  async function fetchTile(z, x, y) {
    const url = element.dataset.tileUrl.replace("{z}", z).replace("{x}", x).replace("{y}", y);
    if (!cache.has(url)) {
      cache.set(
        url,
        fetch(url, { headers: { Accept: "application/vnd.mapbox-vector-tile" } }).then(async (response) => {
          if (!response.ok) throw new Error(String(response.status));
          const tile = new VectorTile(new Pbf(await response.arrayBuffer()));
          const features = [];
          const source = tile.layers.reports;
          for (let i = 0; source && i < source.length; i += 1) {
            const feature = source.feature(i);
            const point = feature.loadGeometry()[0][0];
            features.push({ latlng: tileLatLng(z, x, y, source.extent, point), ...feature.properties });
          }
          return features;
        }),
      );
    }
    return cache.get(url);
  }

  async function refresh() {
    const mine = (generation += 1);
    const z = Math.min(Math.max(Math.round(map.getZoom()), 0), 22);
    status.textContent = strings.loading;
    let results;
    try {
      results = await Promise.all(tileRange(map, z).map((tile) => fetchTile(z, tile[0], tile[1])));
    } catch (error) {
      if (mine === generation) status.textContent = strings.failed;
      return;
    }
    if (mine !== generation) return;
    layer.clearLayers();
    let total = 0;
    let drawn = 0;
    const bounds = map.getBounds();
    for (const features of results) {
      for (const feature of features) {
        if (!bounds.contains(feature.latlng) || drawn >= MAX_FEATURES) continue;
        total += Number(feature.count);
        drawn += 1;
        if (Number(feature.count) === 1 && feature.reference) {
          const label = format(strings.report, {
            reference: feature.reference,
            category: feature.category || "",
            status: feature.status || "",
          });
          const marker = L.marker(feature.latlng, { icon: reportIcon(feature.status, label), keyboard: true, title: label });
          marker.bindPopup(`<a href="${element.dataset.reportUrl}${encodeURIComponent(feature.reference)}/">${escapeHtml(label)}</a>`);
          marker.on("keypress", (event) => {
            if (event.originalEvent.key === "Enter") window.location.href = `${element.dataset.reportUrl}${encodeURIComponent(feature.reference)}/`;
          });
          layer.addLayer(marker);
        } else {
          const label = format(strings.cluster, { count: feature.count });
          const marker = L.marker(feature.latlng, { icon: clusterIcon(Number(feature.count), label), keyboard: true, title: label });
          const zoomIn = () => map.setView(feature.latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
          marker.on("click", zoomIn);
          marker.on("keypress", (event) => {
            if (event.originalEvent.key !== "Enter") return;
            zoomIn();
            element.focus(); // the markers are redrawn: keep the keyboard on the map
          });
          layer.addLayer(marker);
        }
      }
    }
    status.textContent = total ? format(strings.shown, { count: total.toLocaleString() }) : strings.none;
  }

  let timer = null;
  map.on("moveend", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  refresh();
}

start();
