// The triage dashboard: draws the figures of /admin/triage/dashboard/data.json (all computed in SQL).
import { Chart, registerables } from "chart.js";

Chart.register(...registerables);

const root = document.getElementById("triage-dashboard");

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
        cell(row[`${nameKey}__name_ja`] || "—"),
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
    data: { labels: statuses, datasets: [{ label: "reports", data: statuses.map((s) => data.status_counts[s]) }] },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
  new Chart(document.getElementById("chart-weekly"), {
    type: "line",
    data: {
      labels: data.weekly.map((w) => w.week),
      datasets: [
        { label: "new", data: data.weekly.map((w) => w.new) },
        { label: "resolved", data: data.weekly.map((w) => w.resolved) },
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
          label: "reports",
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
      li.textContent = `${area.area__name_ja}: ${area.count}`;
      return li;
    }),
  );
  root.dataset.ready = "1";
}

if (root) draw();
