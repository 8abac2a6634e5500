// The triage dashboard: draws the figures of /admin/triage/dashboard/data.json (all computed in SQL). Words
// (labels, status names) and the language come from the page (json_script).
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);

const root = document.getElementById("triage-dashboard");
const wordsElement = document.getElementById("triage-dashboard-words");
const words = wordsElement ? JSON.parse(wordsElement.textContent) : { statuses: {}, strings: {}, language: "ja" };

// A bilingual name from the figures (`<key>__name_ja` / `<key>__name_en`) in the page's language.
function name(row, key) {
  const english = words.language.startsWith("en") && row[`${key}__name_en`];
  return (english ? row[`${key}__name_en`] : row[`${key}__name_ja`]) || "—";
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "—" : String(text);
  return td;
}

function fillTable(id, rows, nameKey) {
  const body = document.querySelector(`#${id} tbody`);
  if (!body) return;
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(name(row, nameKey)),
        cell(row.count),
        cell(row.acknowledge_p50_h),
        cell(row.acknowledge_p90_h),
        cell(row.resolve_p50_h),
        cell(row.resolve_p90_h),
      );
      return tr;
    }),
  );
}

async function draw() {
  const response = await fetch(root.dataset.url, { credentials: "same-origin" });
  const data = await response.json();
  const statuses = Object.keys(data.status_counts);
  new Chart(document.getElementById("chart-status"), {
    type: "bar",
    data: {
      labels: statuses.map((s) => words.statuses[s] || s),
      datasets: [{ label: words.strings.reports, data: statuses.map((s) => data.status_counts[s]) }],
    },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  new Chart(document.getElementById("chart-weekly"), {
    type: "line",
    data: {
      labels: data.weekly.map((w) => w.week),
      datasets: [
        { label: words.strings.new, data: data.weekly.map((w) => w.new) },
        { label: words.strings.resolved, data: data.weekly.map((w) => w.resolved) },
      ],
    },
    options: { animation: false },
  });
  const max = Math.max(1, ...data.heat.map((h) => h.count));
  new Chart(document.getElementById("chart-heat"), {
    type: "bubble",
    data: {
      datasets: [
        {
          label: words.strings.reports,
          data: data.heat.map((h) => ({ x: h.lng, y: h.lat, r: 3 + 12 * (h.count / max) })),
          backgroundColor: "rgba(200, 40, 40, 0.45)",
        },
      ],
    },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  const compliance = document.getElementById("sla-compliance");
  compliance.textContent =
    data.sla.compliance == null ? "—" : `${Math.round(data.sla.compliance * 1000) / 10}%`;
  fillTable("table-times", data.by_category, "category");
  fillTable("table-departments", data.by_department, "department");
  document.getElementById("top-areas").replaceChildren(
    ...data.top_areas.map((area) => {
      const li = document.createElement("li");
      li.textContent = `${name(area, "area")}: ${area.count}`;
      return li;
    }),
  );
  root.dataset.ready = "1";
}

if (root) draw();
