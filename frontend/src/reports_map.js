// Leaflet maps for the report pages. Tiles come from the CMS setting and may be missing or unreachable: the
// map then keeps working on a plain background (with the town's outline) and says so in a notice.
import * as L from "leaflet";

export { L };

export function pinIcon(label) {
  return L.divIcon({
    className: "map-pin",
    html: `<svg viewBox="0 0 32 44" width="32" height="44" aria-hidden="true" focusable="false"><path d="M16 1C8 1 2 7 2 15c0 11 14 27 14 27s14-16 14-27C30 7 24 1 16 1z" fill="#c8102e" stroke="#fff" stroke-width="2"/><circle cx="16" cy="15" r="5" fill="#fff"/></svg><span class="visually-hidden">${label}</span>`,
    iconSize: [32, 44],
    iconAnchor: [16, 43],
  });
}

function showNotice(element, notice, text) {
  element.classList.add("report-map--blank");
  if (notice && text) {
    notice.textContent = text;
    notice.hidden = false;
  }
}

export function createMap(element, settings) {
  const notice = settings.notice;
  const noTilesText = settings.noTilesText;
  const map = L.map(element, { zoomSnap: 0.5, ...(settings.options || {}) });
  const tiles = element.dataset.tiles;
  if (tiles) {
    const layer = L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 });
    let loaded = 0;
    let failed = 0;
    layer.on("tileload", () => { loaded += 1; });
    layer.on("tileerror", () => {
      failed += 1;
      if (!loaded && failed >= 2) showNotice(element, notice, noTilesText);
    });
    layer.addTo(map);
  } else {
    showNotice(element, notice, noTilesText);
  }
  return map;
}

export function addOutline(map, geojson) {
  if (!geojson) return null;
  return L.geoJSON(geojson, {
    interactive: false,
    style: { color: "#0b5cab", weight: 2, fill: false, dashArray: "6 4" },
  }).addTo(map);
}
