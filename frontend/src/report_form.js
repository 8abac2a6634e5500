// Enhances the report form: a map to place the pin, "use my location", a place suggested by a photo's GPS,
// and open reports of the same kind nearby that the resident can support instead. Without this script the
// form still works: coordinates or an address are typed, and the server checks everything.
import { addOutline, createMap, L, pinIcon } from "./reports_map.js";

const form = document.querySelector("[data-report-form]");
if (form) enhance(form);

// The API refuses with {"errors": {field: [messages]}}.
function firstError(body) {
  const lists = Object.values((body && body.errors) || {});
  return lists.length && lists[0].length ? lists[0][0] : "";
}

function enhance(form) {
  const strings = JSON.parse(document.getElementById("report-form-strings").textContent);
  const t = (key, params = {}) => strings[key].replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const headers = { "X-CSRFToken": csrf, Accept: "application/json" };

  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  const lat = form.elements.lat;
  const lng = form.elements.lng;
  const tools = form.querySelector("[data-map-tools]");
  const status = form.querySelector("[data-pin-status]");
  const mapElement = form.querySelector("[data-map]");
  tools.hidden = false;

  const map = createMap(mapElement, {
    notice: form.querySelector("[data-map-notice]"),
    noTilesText: t("noTiles"),
  });
  const outlineData = document.getElementById("report-form-outline");
  const outline = addOutline(map, outlineData ? JSON.parse(outlineData.textContent) : null);
  const centre = mapElement.dataset.center.split(",").map(Number);
  map.setView(centre, Number(mapElement.dataset.zoom) || 14);
  const bounds = outline ? outline.getBounds() : null;

  let marker = null;
  // Esbuild's target (Safari 14) rules out destructuring parameters, hence the plain options object.
  function setPin(latlng, options) {
    const pan = !options || options.pan !== false;
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, icon: pinIcon(t("markerLabel")), keyboard: false });
      marker.on("dragend", () => setPin(marker.getLatLng(), { pan: false }));
      marker.addTo(map);
    } else {
      marker.setLatLng(latlng);
    }
    lat.value = latlng.lat.toFixed(6);
    lng.value = latlng.lng.toFixed(6);
    const outside = bounds && !bounds.contains(latlng);
    status.textContent = outside
      ? t("outside")
      : t("pinPlaced", { lat: latlng.lat.toFixed(5), lng: latlng.lng.toFixed(5) });
    if (pan) map.panTo(latlng);
    checkNearby();
  }

  function typedPoint() {
    const a = Number.parseFloat(lat.value);
    const b = Number.parseFloat(lng.value);
    return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? L.latLng(a, b) : null;
  }

  map.on("click", (event) => setPin(event.latlng, { pan: false }));
  for (const input of [lat, lng]) {
    input.addEventListener("change", () => {
      const point = typedPoint();
      if (point) setPin(point);
    });
  }
  const initial = typedPoint();
  if (initial) {
    setPin(initial);
    map.setView(initial, 17);
  }

  form.querySelector("[data-pin-centre]").addEventListener("click", () => setPin(map.getCenter()));
  form.querySelector("[data-locate]").addEventListener("click", () => {
    if (!navigator.geolocation) {
      status.textContent = t("locateUnsupported");
      return;
    }
    status.textContent = t("locating");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const point = L.latLng(position.coords.latitude, position.coords.longitude);
        setPin(point);
        map.setView(point, 17);
      },
      (error) => { status.textContent = t("locateFailed", { reason: error.message }); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });

  // Reports nearby, of the chosen category, that the resident could support instead.
  const nearby = form.querySelector("[data-nearby]");
  const nearbyList = form.querySelector("[data-nearby-list]");
  // Tells the server this page already offered the nearby reports, so it skips its own confirmation step.
  const nearbyChecked = form.querySelector("[data-nearby-checked]");
  let nearbyTimer = null;
  let nearbyRequest = 0;
  for (const radio of form.querySelectorAll("input[name=category]")) {
    radio.addEventListener("change", () => {
      showQuestions();
      checkNearby();
    });
  }

  // Only the chosen category's extra questions are shown (without the script all are, each under its name).
  function showQuestions() {
    const chosen = form.querySelector("input[name=category]:checked");
    for (const group of form.querySelectorAll("[data-extra-for]")) {
      group.hidden = !chosen || group.dataset.extraFor !== chosen.value;
    }
  }
  showQuestions();

  function checkNearby() {
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(loadNearby, 250);
  }

  async function loadNearby() {
    const category = form.querySelector("input[name=category]:checked");
    const point = typedPoint();
    nearbyChecked.value = "";
    if (!category || !point) {
      nearby.hidden = true;
      return;
    }
    const ticket = ++nearbyRequest;
    const query = new URLSearchParams({ lat: point.lat, lng: point.lng, category: category.value });
    try {
      const response = await fetch(`${form.dataset.nearbyUrl}?${query}`, { headers: { Accept: "application/json" } });
      if (!response.ok || ticket !== nearbyRequest) return;
      const body = await response.json();
      renderNearby(body.results);
      nearbyChecked.value = "1";
    } catch {
      nearby.hidden = true;
    }
  }

  function renderNearby(results) {
    nearbyList.replaceChildren();
    nearby.hidden = results.length === 0;
    for (const report of results) {
      const item = document.createElement("li");
      item.className = "nearby__item";
      const link = document.createElement("a");
      link.href = report.url;
      link.textContent = t("view", { reference: report.reference });
      const text = document.createElement("p");
      text.textContent = report.description;
      const meta = document.createElement("p");
      meta.className = "nearby__meta";
      meta.textContent = `${report.status_label} · ${t("metres", { distance: Math.round(report.distance_m) })} · ${t("supporters", { count: report.support_count })}`;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary";
      button.textContent = t("support");
      button.addEventListener("click", () => support(report, button, meta));
      item.append(link, text, meta, button);
      nearbyList.append(item);
    }
  }

  async function support(report, button, meta) {
    button.disabled = true;
    try {
      const url = form.dataset.supportUrl.replace("REFERENCE", encodeURIComponent(report.reference));
      const response = await fetch(url, { method: "POST", headers, credentials: "same-origin" });
      const body = await response.json();
      if (!response.ok) throw new Error(firstError(body) || t("failed"));
      button.textContent = t("supported");
      meta.textContent = `${report.status_label} · ${t("metres", { distance: Math.round(report.distance_m) })} · ${t("supporters", { count: body.support_count })}`;
    } catch (error) {
      button.disabled = false;
      status.textContent = error.message || t("failed");
    }
  }

  // A photo's GPS, read from its header by the server, suggests where the problem is.
  const photos = form.elements.photos;
  const photoHint = form.querySelector("[data-photo-hint]");
  photos.addEventListener("change", async () => {
    photoHint.replaceChildren();
    const file = photos.files[0];
    if (!file) return;
    // EXIF sits at the start of a JPEG: half a megabyte is enough and spares the resident's data plan.
    const sliced = file.size > 1024 * 1024;
    const body = new FormData();
    body.append("photo", sliced ? file.slice(0, 512 * 1024) : file, file.name);
    try {
      const response = await fetch(form.dataset.hintUrl, { method: "POST", headers, body, credentials: "same-origin" });
      const hint = await response.json();
      if (!response.ok) {
        if (!(sliced && hint.code === "truncated")) photoHint.textContent = firstError(hint);
        return;
      }
      if (hint.gps && hint.inside) {
        const text = document.createElement("span");
        text.textContent = `${t("photoGps", { name: file.name })} `;
        const use = document.createElement("button");
        use.type = "button";
        use.className = "button button--secondary";
        use.textContent = t("usePhotoPlace");
        use.addEventListener("click", () => {
          const point = L.latLng(hint.gps.lat, hint.gps.lng);
          setPin(point);
          map.setView(point, 17);
        });
        photoHint.append(text, use);
      } else if (!marker) {
        photoHint.textContent = t("photoNoGps", { name: file.name });
      }
    } catch {
      // The hint is a convenience; the report goes through without it.
    }
  });
}
