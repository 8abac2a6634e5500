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

// A column's count is of all its reports (not only the cards loaded), so changes move it by one.
function shift(status, delta) {
  const count = board.querySelector(`[data-count="${status}"]`);
  if (count) count.textContent = String(Math.max(0, Number(count.textContent) + delta));
}

function removeCard(element) {
  if (!element) return;
  const from = element.closest(".triage-cards")?.dataset.status;
  element.remove();
  if (from) shift(from, -1);
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text == null ? "" : String(text);
  return span.innerHTML;
}

// Update a card in place (or make one) from the card data the server sends. A report is counted in the column
// of its card, or, when its card is not loaded here (further down a column), in the column of the status it
// had before the change (`was`: none for a new report).
function applyCard(card) {
  let element = document.getElementById(`card-${card.id}`);
  const from = element ? element.closest(".triage-cards")?.dataset.status : card.was;
  if (!element && from === card.status) return; // still further down its column: nothing to show or count
  const target = column(card.status);
  if (!target) {
    if (element) removeCard(element);
    else if (from) shift(from, -1);
    return;
  }
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
  if (element.parentElement !== target) target.prepend(element);
  if (from !== card.status) {
    if (from) shift(from, -1);
    shift(card.status, 1);
  }
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
          say(message, "error");
        };
        try {
          const answer = await move(card.dataset.id, to, card.dataset.version);
          if (answer.ok) {
            shift(from, -1);
            shift(to, 1);
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

// "Show more": a column's next cards after the place of the last one loaded from the server (not the last in
// the list, which may be a card dragged in), without a reload; focus goes to the first new card for keyboard
// users.
async function showMore(button) {
  const list = document.getElementById(button.getAttribute("aria-controls"));
  const url = new URL(button.dataset.more, location.href);
  url.searchParams.set("after", button.dataset.after);
  button.disabled = true;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const answer = await response.json();
    const template = document.createElement("template");
    template.innerHTML = answer.html; // the server's escaped cards
    // A card that arrived live, or was dragged here, is already on the board.
    const added = [...template.content.children].filter((item) => !document.getElementById(item.id));
    list.append(...added);
    button.dataset.after = answer.after; // where the last of them stood, wherever it is now
    button.hidden = !answer.more;
    say(format(pageData.strings.shown_more, {
      count: added.length,
      status: pageData.statuses[list.dataset.status] || list.dataset.status,
    }));
    // Keyboard users go on from the first new card (or the last card, when the button has gone).
    const next = added[0] || (button.hidden ? list.lastElementChild : null);
    next?.querySelector(".triage-ref")?.focus();
  } catch {
    say(pageData.strings.more_failed, "error");
  } finally {
    button.disabled = false;
  }
}

document.querySelectorAll("[data-more]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => showMore(button));
});

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
    else if (data.type === "hidden") removeCard(document.getElementById(`card-${data.id}`));
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
