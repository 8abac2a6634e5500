// The small map on a report's page; the page shows the coordinates and a link without it.
import { createMap, L, pinIcon } from "./reports_map.js";

const element = document.querySelector("[data-report-map]");
if (element) {
  element.hidden = false;
  const lat = Number(element.dataset.lat);
  const lng = Number(element.dataset.lng);
  const map = createMap(element, {
    notice: element.parentElement.querySelector("[data-map-notice]"),
    noTilesText: element.dataset.noTiles,
    options: { scrollWheelZoom: false },
  });
  map.setView([lat, lng], 17);
  L.marker([lat, lng], { icon: pinIcon(element.dataset.markerLabel), keyboard: false, interactive: false }).addTo(map);
}
