// The triage board: drag a card to another column to change its status (the server decides, an illegal move
// snaps back with its message), and receive colleagues' changes live over /ws/triage/. Without this script
// cards are moved with the bulk form (tick them, "change status to"). Words come from the page (json_script).
import Sortable from "sortablejs";

const board = document.querySelector(".triage-board");
const live = document.getElementById("triage-live");
const dataElement = document.getElementById("triage-data");
const pageData = dataElement ? JSON.parse(dataElement.textContent) : { statuses: {}, strings: {} };

function format(template, values) {
  return String(template || "").replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function say(message, kind = "info") {
  if (!live) return;
  live.textContent = message;
  live.dataset.kind = kind;
}

function column(status) {
  return board.querySelector(`.triage-cards[data-status="${status}"]`);
}

function recount() {
  board.querySelectorAll(".triage-cards").forEach((list) => {
    const count = board.querySelector(`[data-count="${list.dataset.status}"]`);
    if (count) count.textContent = String(list.querySelectorAll(".triage-card").length);
  });
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text == null ? "" : String(text);
  return span.innerHTML;
}

// Update a card in place (or make one) from the card data the server sends.
function applyCard(card) {
  let element = document.getElementById(`card-${card.id}`);
  const target = column(card.status);
  if (!element && !target) return;
  if (!element) {
    element = document.createElement("li");
    element.className = "triage-card";
    element.id = `card-${card.id}`;
    element.dataset.id = card.id;
    element.innerHTML = `<input type="checkbox" name="report" value="${card.id}" form="triage-bulk" aria-label="${escapeText(card.reference)}">
      <div class="triage-card-body"><a class="triage-ref" href="${board.dataset.actionUrl}${card.id}/?town=${board.dataset.town}"></a>
      <span class="triage-title"></span><span class="triage-meta triage-live-meta"></span></div>`;
    element.classList.add("triage-card-new");
  }
  element.dataset.version = card.version;
  element.dataset.status = card.status;
  element.className = element.className.replace(/\bsla-\S+/g, "").trim() + ` sla-${card.sla}`;
  const title = element.querySelector(".triage-title");
  if (title) title.textContent = card.title;
  const ref = element.querySelector(".triage-ref");
  if (ref && !ref.textContent.trim()) ref.textContent = card.reference;
  const meta = element.querySelector(".triage-live-meta");
  if (meta) meta.textContent = [card.area, card.priority_label, card.assignee].filter(Boolean).join(" · ");
  if (!target) {
    element.remove();
  } else if (element.parentElement !== target) {
    target.prepend(element);
  }
  recount();
}

async function move(id, status, version) {
  const body = new URLSearchParams({ status, version, town: board.dataset.town });
  const response = await fetch(`${board.dataset.actionUrl}${id}/status/`, {
    method: "POST",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    body,
    credentials: "same-origin",
  });
  return response.json();
}

if (board && board.dataset.mayWork) {
  board.querySelectorAll(".triage-cards").forEach((list) => {
    Sortable.create(list, {
      group: "triage",
      animation: 120,
      forceFallback: true, // mouse and touch events rather than HTML5 drag and drop: same on every device
      filter: "input,select,button,a",
      preventOnFilter: false,
      onEnd: async (event) => {
        const card = event.item;
        const from = event.from.dataset.status;
        const to = event.to.dataset.status;
        if (from === to) return;
        const snapBack = (message) => {
          event.from.insertBefore(card, event.from.children[event.oldIndex] || null);
          recount();
          say(message, "error");
        };
        try {
          const answer = await move(card.dataset.id, to, card.dataset.version);
          if (answer.ok) {
            applyCard(answer.card);
            say(format(pageData.strings.moved, {
              reference: answer.card.reference,
              status: pageData.statuses[answer.card.status] || answer.card.status,
            }));
          } else {
            snapBack(answer.message);
            if (answer.card) applyCard(answer.card);
          }
        } catch {
          snapBack(pageData.strings.failed);
        }
      },
    });
  });
}

// A small reconnecting WebSocket client; on reconnect the page reloads its cards so nothing is missed.
function connect(attempt = 0) {
  if (!live || !live.dataset.socket) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${live.dataset.socket}`);
  let opened = false;
  socket.addEventListener("open", () => {
    opened = true;
    live.dataset.state = "online";
    if (attempt > 0) location.reload();
  });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type === "card") applyCard(data.card);
    else if (data.type === "hidden") document.getElementById(`card-${data.id}`)?.remove();
  });
  socket.addEventListener("close", () => {
    live.dataset.state = "offline";
    const delay = Math.min(30000, 500 * 2 ** (opened ? 0 : attempt));
    setTimeout(() => connect(opened ? 1 : attempt + 1), delay);
  });
}
connect();

// Response templates fill the update box.
document.querySelectorAll(".triage-template").forEach((select) => {
  select.addEventListener("change", () => {
    const target = document.getElementById(select.getAttribute("aria-controls"));
    if (target && select.value) target.value = select.value;
  });
});
