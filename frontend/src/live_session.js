// The live room page: chat with replies and reactions, agenda, speaking queue, polls, opinion statements,
// presence and the facilitator's controls, all fed by /ws/sessions/<id>/. Everything people write is put
// on the page as text (textContent); only http(s) links become <a> elements, built here, never parsed HTML.
// The strings come translated from the server (json_script), so this file holds no user-visible text.
import { LiveSocket } from "./live_session_socket.js";

const root = document.getElementById("live-room");
const T = JSON.parse(document.getElementById("live-strings")?.textContent || "{}");
const REACTIONS = ["👍", "❤️", "😮", "🙏", "👏"];
const VOTES = [{ vote: 1, key: "agree" }, { vote: -1, key: "disagree" }, { vote: 0, key: "pass" }];
const LINK = /\bhttps?:\/\/[^\s<>"]+/gi;

const state = {
  you: null,
  role: "watcher",
  roomState: "scheduled",
  agenda: [],
  currentItem: null,
  floor: null,
  queue: new Map(), // participant id -> participant
  participants: new Map(),
  polls: new Map(),
  statements: new Map(),
  messages: new Map(),
  myStatementVotes: {},
  myPolls: {},
  muted: false,
  mutedIds: new Set(),
  replyTo: null,
  refs: new Map(), // ref -> {onAck, onError}
  nextRef: 1,
};

const $ = (id) => document.getElementById(id);

function t(key, values = {}) {
  const text = T[key] || key;
  // Django-style placeholders, as the strings were written for gettext: %(name)s, and %% for a percent sign.
  return text.replace(/%\((\w+)\)s|%%/g, (match, name) => {
    if (match === "%%") return "%";
    return name in values ? String(values[name]) : "";
  });
}

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text != null) node.textContent = String(options.text);
  const attrs = options.attrs || {};
  for (const name of Object.keys(attrs)) {
    const value = attrs[name];
    if (value === false || value == null) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function button(text, onClick, attrs = {}) {
  const node = el("button", { text, attrs: { type: "button", ...attrs } });
  node.addEventListener("click", onClick);
  return node;
}

/** A button about one person: its spoken name adds theirs after the visible text ("Mute さくら"). */
function personButton(text, who, onClick, attrs = {}) {
  const node = button(text, onClick, attrs);
  node.append(el("span", { className: "visually-hidden", text: ` ${who.name}` }));
  return node;
}

/** Text with its http(s) links made clickable; every other character stays text. */
function linkify(text) {
  const source = String(text);
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of source.matchAll(LINK)) {
    const href = match[0].replace(/[).,;:!?、。」』）]+$/u, "");
    const start = match.index;
    let url;
    try {
      url = new URL(href);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    fragment.append(document.createTextNode(source.slice(last, start)));
    fragment.append(el("a", { text: href, attrs: { href: url.href, rel: "noopener nofollow ugc", target: "_blank" } }));
    last = start + href.length;
  }
  fragment.append(document.createTextNode(source.slice(last)));
  return fragment;
}

// ---- sending -------------------------------------------------------------------------------------------

let socket;

function showError(message, target = $("live-error")) {
  if (!target) return;
  target.textContent = message;
  target.hidden = !message;
}

/** Send an action; callbacks run on the server's ack or error frame for it. */
function act(type, fields = {}, callbacks = {}) {
  const ref = `r${state.nextRef++}`;
  const errorTarget = callbacks.errorTarget;
  state.refs.set(ref, callbacks);
  if (!socket.send({ type, ref, ...fields })) {
    state.refs.delete(ref);
    showError(t("not_connected"), errorTarget);
    return false;
  }
  showError("", errorTarget);
  return true;
}

function isFacilitator() {
  return state.role === "facilitator";
}

/** Panel members vote; facilitators steer and do not weigh in. */
function mayVote() {
  return Boolean(state.you) && !isFacilitator();
}

function mayTake() {
  return state.you && state.roomState === "open" && !state.muted;
}

// ---- messages ------------------------------------------------------------------------------------------

function author(ref) {
  return ref && ref.name ? ref.name : "";
}

function messageText(message) {
  return el("p", { className: "live-msg__text" }, [linkify(message.text || "")]);
}

function renderMessage(message) {
  const li = el("li", {
    className: "live-msg",
    attrs: { id: `live-msg-${message.id}`, "data-id": message.id, "data-item": message.item ?? "" },
  });
  const head = el("p", { className: "live-msg__head" }, [
    el("strong", { className: "live-msg__author", text: author(message.author) }),
    message.created_at ? el("time", { text: clock(message.created_at), attrs: { datetime: message.created_at } }) : null,
  ]);
  li.append(head);
  if (message.reply_to) {
    const parent = state.messages.get(message.reply_to);
    li.append(
      el("p", {
        className: "live-msg__quote",
        text: parent ? t("reply_to", { name: author(parent.author), text: excerpt(parent.text) }) : t("reply_to_gone"),
      }),
    );
  }
  li.append(messageText(message));
  const tools = el("div", { className: "live-msg__tools" });
  const reactions = el("div", { className: "live-reactions", attrs: { role: "group", "aria-label": t("reactions") } });
  for (const emoji of REACTIONS) {
    const count = (message.reactions || {})[emoji] || 0;
    const b = button("", () => act("react", { message: message.id, emoji }), {
      class: "live-reaction",
      disabled: !state.you,
      "data-emoji": emoji,
      "aria-label": t("react", { emoji, count }),
    });
    b.append(el("span", { text: emoji, attrs: { "aria-hidden": "true" } }), el("span", { className: "live-count", text: count || "", attrs: { "aria-hidden": "true" } }));
    reactions.append(b);
  }
  tools.append(reactions);
  if (state.you) tools.append(button(t("reply"), () => startReply(message), { class: "link-button", "data-action": "reply" }));
  if (state.you && !isFacilitator()) {
    tools.append(
      button(t("flag"), () => reasonForm(li, t("flag_reason"), t("flag"), (reason, callbacks) =>
        act("flag", { message: message.id, reason }, {
          errorTarget: callbacks.errorTarget,
          onAck: () => {
            callbacks.onAck();
            showNotice(t("flagged"));
          },
        })), { class: "link-button", "data-action": "flag" }),
    );
  }
  if (isFacilitator()) {
    tools.append(button(t("pin"), () => act("pin", { message: message.id }), { class: "link-button", "data-action": "pin" }));
    tools.append(
      button(t("hide"), () => reasonForm(li, t("hide_reason"), t("hide"), (reason, callbacks) =>
        act("hide", { message: message.id, reason }, callbacks)), { class: "link-button live-danger", "data-action": "hide" }),
    );
  }
  li.append(tools);
  return li;
}

function excerpt(text) {
  const s = String(text || "");
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function clock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
}

function addMessage(message, announce = false) {
  if (message.hidden) {
    removeMessage(message.id);
    return;
  }
  const list = $("live-messages");
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  state.messages.set(message.id, message);
  const node = renderMessage(message);
  const existing = $(`live-msg-${message.id}`);
  if (existing) existing.replaceWith(node);
  else list.append(node);
  $("live-messages-empty")?.setAttribute("hidden", "");
  if (nearBottom) list.scrollTop = list.scrollHeight;
  if (announce) $("live-announcer").textContent = t("new_message", { name: author(message.author), text: message.text });
}

function removeMessage(id) {
  state.messages.delete(id);
  $(`live-msg-${id}`)?.remove();
  const pinned = $("live-pinned");
  if (pinned && String(pinned.dataset.id) === String(id)) setPinned(null);
}

function setReactions(messageId, counts) {
  const message = state.messages.get(messageId);
  if (message) message.reactions = counts;
  $(`live-msg-${messageId}`)?.querySelectorAll(".live-reaction").forEach((b) => {
    const count = counts[b.dataset.emoji] || 0;
    b.querySelector(".live-count").textContent = count || "";
    b.setAttribute("aria-label", t("react", { emoji: b.dataset.emoji, count }));
  });
}

function setPinned(message) {
  const box = $("live-pinned");
  box.replaceChildren();
  box.hidden = !message;
  if (!message) {
    delete box.dataset.id;
    return;
  }
  box.dataset.id = message.id;
  box.append(el("p", { className: "live-pinned__label", text: t("pinned", { name: author(message.author) }) }), messageText(message));
}

function startReply(message) {
  state.replyTo = message.id;
  const box = $("live-reply");
  box.hidden = false;
  $("live-reply-text").textContent = t("reply_to", { name: author(message.author), text: excerpt(message.text) });
  $("live-message-text").focus();
}

function cancelReply() {
  state.replyTo = null;
  $("live-reply").hidden = true;
}

/** A small inline form asking for a reason (flag, hide), placed under the message; it stays, with the
 * server's message, if the action is refused. */
function reasonForm(container, label, submitText, send) {
  container.querySelector(".live-reason")?.remove();
  const id = `live-reason-${state.nextRef++}`;
  const input = el("input", { attrs: { id, type: "text", maxlength: 200, required: true } });
  const error = el("p", { className: "live-form-error", attrs: { role: "alert", hidden: true } });
  const form = el("form", { className: "live-reason" }, [
    el("label", { text: label, attrs: { for: id } }),
    input,
    error,
    el("button", { text: submitText, attrs: { type: "submit" } }),
    button(t("cancel"), () => form.remove(), { class: "button--secondary" }),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.value.trim()) {
      showError(t("reason_needed"), error);
      input.focus();
      return;
    }
    send(input.value.trim(), { errorTarget: error, onAck: () => form.remove() });
  });
  container.append(form);
  input.focus();
}

function showNotice(text) {
  $("live-announcer").textContent = text;
}

// ---- agenda, room state, video, summary ---------------------------------------------------------------

function renderAgenda() {
  const list = $("live-agenda");
  list.replaceChildren();
  for (const item of state.agenda) {
    const current = String(item.id) === String(state.currentItem);
    const li = el("li", { className: current ? "live-agenda__item live-agenda__item--current" : "live-agenda__item", attrs: { "aria-current": current ? "step" : null } }, [
      el("strong", { text: item.title }),
      item.description ? el("p", { text: item.description }) : null,
    ]);
    list.append(li);
  }
  $("live-agenda-section").hidden = state.agenda.length === 0;
  const select = $("live-agenda-select");
  if (select) {
    select.replaceChildren(...state.agenda.map((item) => el("option", { text: item.title, attrs: { value: item.id, selected: String(item.id) === String(state.currentItem) } })));
  }
}

function setRoomState(roomState) {
  state.roomState = roomState;
  root.dataset.roomState = roomState;
  const banner = $("live-room-state");
  const text = roomState === "open" ? "" : t(`state_${roomState}`);
  banner.textContent = text;
  banner.hidden = !text;
  const select = $("live-room-select");
  if (select) select.value = roomState;
  updateControls();
}

function setVideo(url) {
  const box = $("live-video");
  const frame = $("live-video-frame");
  let safe = "";
  try {
    if (url && new URL(url).protocol === "https:") safe = new URL(url).href;
  } catch {
    safe = "";
  }
  box.hidden = !safe;
  if (frame.getAttribute("src") !== safe) {
    if (safe) frame.setAttribute("src", safe);
    else frame.removeAttribute("src");
  }
  const link = $("live-video-link");
  if (link) {
    link.href = safe || "#";
  }
  const input = $("live-video-url");
  if (input && document.activeElement !== input) input.value = safe;
}

function setSummary(text) {
  $("live-summary").hidden = !text;
  $("live-summary-text").textContent = text || "";
}

function updateControls() {
  const may = Boolean(mayTake());
  for (const id of ["live-message-form", "live-statement-form"]) {
    const form = $(id);
    if (!form) continue;
    form.hidden = !state.you;
    form.querySelectorAll("textarea, button").forEach((node) => { node.disabled = !may; });
  }
  const hand = $("live-hand");
  if (hand) {
    hand.hidden = !state.you || isFacilitator();
    hand.disabled = !may;
    const raised = handUp();
    hand.setAttribute("aria-pressed", raised ? "true" : "false");
    hand.textContent = raised ? t("lower_hand") : t("raise_hand");
  }
  $("live-muted").hidden = !state.muted;
  $("live-watcher").hidden = Boolean(state.you);
  const panel = $("live-facilitator");
  if (panel) panel.hidden = !isFacilitator();
}

// ---- queue and floor -------------------------------------------------------------------------------------

let timer = null;

function renderQueue() {
  const list = $("live-queue");
  list.replaceChildren();
  for (const participant of state.queue.values()) {
    const li = el("li", {}, [el("span", { text: participant.name })]);
    if (isFacilitator()) li.append(personButton(t("give_floor"), participant, () => act("floor", { participant: participant.id }), { "data-action": "floor" }));
    list.append(li);
  }
  $("live-queue-empty").hidden = state.queue.size > 0;
  updateControls();
}

function setFloor(floor) {
  state.floor = floor && floor.participant ? floor : null;
  const speaker = $("live-speaker");
  const end = $("live-floor-end");
  clearInterval(timer);
  if (!state.floor) {
    speaker.textContent = t("no_speaker");
    $("live-timer").textContent = "";
    if (end) end.hidden = true;
    return;
  }
  speaker.textContent = t("speaking", { name: state.floor.participant.name });
  if (end) end.hidden = false;
  if (state.you && state.floor.participant.id === state.you.id) showNotice(t("your_turn"));
  const since = new Date(state.floor.since || Date.now()).getTime();
  const tick = () => {
    const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
    $("live-timer").textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  timer = setInterval(tick, 1000);
}

/** Whether my hand is up: waiting in the queue, or holding the floor (lowering it then ends my turn). */
function handUp() {
  if (!state.you) return false;
  return state.queue.has(state.you.id) || (state.floor && state.floor.participant.id === state.you.id);
}

function setQueue(entries) {
  state.queue = new Map((entries || []).map((entry) => [entry.id, entry]));
  renderQueue();
}

// ---- presence ----------------------------------------------------------------------------------------------

function renderPresence(participants) {
  state.participants = new Map(participants.map((p) => [p.id, p]));
  const list = $("live-presence");
  list.replaceChildren();
  for (const p of participants) {
    const li = el("li", { attrs: { "data-id": p.id } }, [el("span", { text: p.name })]);
    if (p.role === "facilitator") li.append(el("span", { className: "live-badge", text: t("facilitator") }));
    if (state.you && p.id === state.you.id) li.append(el("span", { className: "live-badge", text: t("you") }));
    const muted = state.mutedIds.has(p.id);
    if (muted) li.append(el("span", { className: "live-badge", text: t("muted_badge") }));
    if (isFacilitator() && p.role !== "facilitator") {
      li.append(
        personButton(t("give_floor"), p, () => act("floor", { participant: p.id }), { "data-action": "floor" }),
        personButton(muted ? t("unmute") : t("mute"), p, () => act("mute", { participant: p.id, muted: !muted }), { "data-action": "mute" }),
        personButton(t("remove"), p, () => {
          if (window.confirm(t("remove_confirm", { name: p.name }))) act("remove", { participant: p.id });
        }, { class: "live-danger", "data-action": "remove" }),
      );
    }
    list.append(li);
  }
  $("live-presence-count").textContent = t("present", { count: participants.length });
}

// A presence frame names who came (`joined`: people) and who went (`left`: ids) since the last one.
function applyPresence(frame) {
  for (const p of frame.joined || []) state.participants.set(p.id, p);
  for (const id of frame.left || []) state.participants.delete(id);
  renderPresence([...state.participants.values()]);
}

// ---- polls ----------------------------------------------------------------------------------------------------

function renderPoll(poll) {
  state.polls.set(poll.id, poll);
  const box = el("fieldset", { className: "live-poll", attrs: { id: `live-poll-${poll.id}` } });
  box.append(el("legend", { text: poll.question }));
  const voted = state.myPolls[poll.id];
  const open = !poll.closed;
  if (open && mayVote() && !voted) {
    const form = el("form", { className: poll.kind === "scale" ? "live-poll__form live-poll__form--scale" : "live-poll__form" });
    poll.options.forEach((option, index) => {
      const id = `live-poll-${poll.id}-${index}`;
      form.append(el("label", { className: "choice", attrs: { for: id } }, [
        el("input", { attrs: { id, type: poll.kind === "multiple" ? "checkbox" : "radio", name: `poll-${poll.id}`, value: index } }),
        el("span", { text: option }),
      ]));
    });
    if (poll.kind === "scale") form.append(el("p", { className: "live-hint", text: t("scale_hint") }));
    const error = el("p", { className: "live-form-error", attrs: { role: "alert", hidden: true } });
    form.append(error, el("button", { text: t("vote"), attrs: { type: "submit" } }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const choices = [...form.querySelectorAll("input:checked")].map((input) => Number(input.value));
      if (!choices.length) {
        showError(t("choose_one"), error);
        return;
      }
      act("poll_vote", { poll: poll.id, choices }, {
        errorTarget: error,
        onAck: () => {
          state.myPolls[poll.id] = choices;
          replacePoll(state.polls.get(poll.id) || poll);  // results may have arrived before this ack
          showNotice(t("thanks_vote"));
        },
      });
    });
    box.append(form);
  } else if (voted) {
    box.append(el("p", { className: "live-hint", text: t("voted") }));
  }
  if (poll.counts) {
    const total = poll.counts.reduce((a, b) => a + b, 0);
    const list = el("ul", { className: "live-results" });
    poll.options.forEach((option, index) => {
      const count = poll.counts[index] || 0;
      const share = total ? Math.round((count * 100) / total) : 0;
      list.append(el("li", {}, [
        el("span", { text: t("poll_result", { option, count, share }) }),
        el("span", { className: "live-bar", attrs: { style: `--share:${share}%`, "aria-hidden": "true" } }),
      ]));
    });
    box.append(list);
  } else if (poll.show_results === "after_close") {
    box.append(el("p", { className: "live-hint", text: t("results_after_close") }));
  }
  if (poll.closed) box.append(el("p", { className: "live-hint", text: t("poll_closed") }));
  if (isFacilitator() && open) box.append(button(t("close_poll"), () => act("poll_close", { poll: poll.id }), { "data-action": "close-poll" }));
  return box;
}

function replacePoll(poll) {
  const node = renderPoll(poll);
  const existing = $(`live-poll-${poll.id}`);
  if (existing) existing.replaceWith(node);
  else $("live-polls").prepend(node);
  $("live-polls-empty").hidden = state.polls.size > 0;
}

function updatePoll(id, changes) {
  const poll = state.polls.get(id);
  if (poll) replacePoll({ ...poll, ...changes });
}

// ---- opinion statements ------------------------------------------------------------------------------------

// The last opinion groups from the server: statement id -> {groups: [counts per group], consensus, divisiveness}.
let opinion = { groups: [], statements: new Map(), consensus: new Set(), divisive: new Set() };
const HIGHLIGHT = 3; // how many statements are marked as broad agreement / where groups differ

function renderStatement(statement) {
  state.statements.set(statement.id, statement);
  const li = el("li", { className: "live-statement", attrs: { id: `live-statement-${statement.id}` } });
  li.append(el("p", { className: "live-statement__text", text: statement.text }));
  const mine = state.myStatementVotes[statement.id];
  if (mayVote()) {
    const group = el("div", { className: "live-vote", attrs: { role: "group", "aria-label": t("your_view") } });
    for (const choice of VOTES) {
      const vote = choice.vote;
      const key = choice.key;
      group.append(button(t(key), () => act("statement_vote", { statement: statement.id, vote }, {
        onAck: () => {
          state.myStatementVotes[statement.id] = vote;
          renderStatementInPlace(statement.id);
        },
      }), { "aria-pressed": mine === vote ? "true" : "false", "data-vote": vote }));
    }
    li.append(group);
  }
  li.append(el("p", { className: "live-hint", text: t("statement_votes", { agree: statement.agree || 0, disagree: statement.disagree || 0, pass: statement.pass || 0 }) }));
  const info = opinion.statements.get(String(statement.id));
  if (info) {
    if (opinion.consensus.has(String(statement.id))) li.append(el("p", { className: "live-badge live-badge--consensus", text: t("broad_agreement") }));
    else if (opinion.divisive.has(String(statement.id))) li.append(el("p", { className: "live-badge live-badge--divisive", text: t("groups_differ") }));
    const groups = el("ul", { className: "live-groups", attrs: { "aria-label": t("by_group") } });
    (info.groups || []).forEach((counts, index) => {
      const total = (counts.agree || 0) + (counts.disagree || 0) + (counts.pass || 0);
      const share = total ? Math.round(((counts.agree || 0) * 100) / total) : 0;
      groups.append(el("li", {}, [
        el("span", { text: t("group_agree", { group: String.fromCharCode(65 + index), share }) }),
        el("span", { className: "live-bar", attrs: { style: `--share:${share}%`, "aria-hidden": "true" } }),
      ]));
    });
    if (opinion.groups.length > 1) li.append(groups);
  }
  return li;
}

function renderStatementInPlace(id) {
  const statement = state.statements.get(id);
  if (!statement) return;
  const node = renderStatement(statement);
  const existing = $(`live-statement-${id}`);
  if (existing) existing.replaceWith(node);
  else $("live-statements").append(node);
  $("live-statements-empty").hidden = state.statements.size > 0;
}

function setOpinion(result) {
  const statements = result?.statements || [];
  const byId = new Map(statements.map((info) => [String(info.id), info]));
  const top = (ids, key, floor) => new Set((ids || []).map(String).filter((id) => (byId.get(id)?.[key] ?? 0) >= floor).slice(0, HIGHLIGHT));
  opinion = {
    groups: result?.groups || [],
    statements: byId,
    consensus: top(result?.consensus, "consensus", 0.5),
    divisive: top(result?.divisive, "divisiveness", 0.3),
  };
  $("live-opinion-groups").textContent = opinion.groups.length > 1 ? t("groups_found", { count: opinion.groups.length }) : "";
  for (const info of statements) {
    const statement = state.statements.get(info.id);
    if (statement) Object.assign(statement, { agree: info.agree, disagree: info.disagree, pass: info.pass });
  }
  for (const id of state.statements.keys()) renderStatementInPlace(id);
}

// ---- applying the server's frames ------------------------------------------------------------------------------

function applySnapshot(room) {
  state.agenda = room.agenda || [];
  state.currentItem = room.current_item ?? null;
  renderAgenda();
  setRoomState(room.state || "scheduled");
  setVideo(room.video_url);
  setSummary(room.summary);
  state.myPolls = room.my_votes?.polls || {};
  state.myStatementVotes = room.my_votes?.statements || {};
  $("live-messages").replaceChildren();
  state.messages.clear();
  for (const message of room.messages || []) addMessage(message);
  setPinned(room.pinned || null);
  setQueue(room.queue);
  setFloor(room.floor || null);
  $("live-polls").replaceChildren();
  state.polls.clear();
  for (const poll of room.polls || []) replacePoll(poll);
  $("live-polls-empty").hidden = state.polls.size > 0;
  $("live-statements").replaceChildren();
  state.statements.clear();
  for (const statement of room.statements || []) state.statements.set(statement.id, statement);
  setOpinion(room.opinion_groups || null); // renders every statement with its groups
  $("live-statements-empty").hidden = state.statements.size > 0;
  renderPresence(room.participants || []);
  updateControls();
}

function onHello(frame, first) {
  state.you = frame.you || null;
  state.role = state.you ? state.you.role : "watcher";
  state.muted = Boolean(state.you && state.you.muted);
  root.dataset.role = state.role;
  if (first) applySnapshot(frame.room || {});
  else renderPresence(frame.room?.participants || []);
  updateControls();
}

const handlers = {
  message: (data, live) => addMessage(data, live),
  message_hidden: (data) => removeMessage(data.id),
  message_pinned: (data) => setPinned(data.message && !data.message.hidden ? data.message : null),
  reaction: (data) => setReactions(data.message, data.counts || {}),
  hand: (data) => setQueue(data.queue),
  floor: (data) => {
    setFloor(data);
    setQueue(data.queue);
  },
  muted: (data) => {
    const id = data.participant.id;
    if (data.muted) state.mutedIds.add(id);
    else state.mutedIds.delete(id);
    if (state.you && id === state.you.id) state.muted = Boolean(data.muted);
    renderPresence([...state.participants.values()]);
    updateControls();
  },
  removed: (data) => {
    const id = data.participant.id;
    state.participants.delete(id);
    renderPresence([...state.participants.values()]);
    setQueue(data.queue);
    if (state.you && id === state.you.id) {
      socket.stop();
      state.you = null;
      updateControls();
      showError(t("removed"));
    }
  },
  poll_opened: (data) => replacePoll(data.poll),
  poll_results: (data) => updatePoll(data.poll, { votes: data.votes, counts: data.counts }),
  poll_closed: (data) => updatePoll(data.poll, { closed: true, votes: data.votes, counts: data.counts }),
  statement: (data) => {
    state.statements.set(data.id, { agree: 0, disagree: 0, pass: 0, ...data });
    renderStatementInPlace(data.id);
  },
  statement_votes: (data) => {
    const statement = state.statements.get(data.statement);
    if (!statement) return;
    Object.assign(statement, { agree: data.agree, disagree: data.disagree, pass: data.pass });
    renderStatementInPlace(data.statement);
  },
  opinion_groups: (data) => setOpinion(data),
  agenda: (data) => {
    state.currentItem = data.item ? data.item.id : null;
    renderAgenda();
    if (data.item) showNotice(t("now_discussing", { title: data.item.title }));
  },
  room_state: (data) => setRoomState(data.state),
  video: (data) => setVideo(data.url),
  summary: (data) => setSummary(data.text),
};

function onEvent(frame) {
  handlers[frame.event]?.(frame.data || {}, true);
}

function onFrame(frame) {
  if (frame.type === "presence") applyPresence(frame);
  else if (frame.type === "ack" || frame.type === "error") {
    const pending = state.refs.get(frame.ref);
    state.refs.delete(frame.ref);
    if (frame.type === "ack") pending?.onAck?.(frame);
    else {
      showError(frame.message || t("error"), pending?.errorTarget);
      pending?.onError?.(frame);
    }
  }
}

function onState(connection) {
  const status = $("live-status");
  status.dataset.state = connection;
  status.textContent = t(`connection_${connection}`);
}

// ---- forms -------------------------------------------------------------------------------------------------------

function wireForms() {
  $("live-message-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("live-message-text");
    const text = input.value.trim();
    const error = $("live-message-error");
    if (!text) {
      showError(t("empty_message"), error);
      input.focus();
      return;
    }
    const fields = state.replyTo ? { text, reply_to: state.replyTo } : { text };
    // The text stays in the box until the server has stored it.
    act("message", fields, {
      errorTarget: error,
      onAck: () => {
        if (input.value.trim() === text) input.value = "";
        cancelReply();
      },
    });
  });
  $("live-message-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("live-message-form").requestSubmit();
  });
  $("live-reply-cancel").addEventListener("click", cancelReply);
  $("live-statement-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("live-statement-text");
    const text = input.value.trim();
    const error = $("live-statement-error");
    if (!text) {
      showError(t("empty_message"), error);
      return;
    }
    act("statement", { text }, { errorTarget: error, onAck: () => { input.value = ""; } });
  });
  $("live-hand").addEventListener("click", () => {
    act("hand", { raised: !handUp() });
  });
  wireFacilitator();
}

function wireFacilitator() {
  const panel = $("live-facilitator");
  if (!panel) return;
  const error = $("live-facilitator-error");
  const onSubmit = (id, build) => $(id)?.addEventListener("submit", (event) => {
    event.preventDefault();
    const frame = build(event.target);
    if (frame) act(frame.type, frame.fields, { errorTarget: error, onAck: () => frame.done?.() });
  });
  onSubmit("live-room-form", () => ({ type: "room", fields: { state: $("live-room-select").value } }));
  onSubmit("live-agenda-form", () => ({ type: "agenda", fields: { item: Number($("live-agenda-select").value) } }));
  onSubmit("live-video-form", () => ({ type: "video", fields: { url: $("live-video-url").value.trim() } }));
  onSubmit("live-poll-form", (form) => {
    const kind = form.querySelector("[name=kind]").value;
    const options = kind === "scale" ? ["1", "2", "3", "4", "5"] : form.querySelector("[name=options]").value.split("\n").map((s) => s.trim()).filter(Boolean);
    return {
      type: "poll_open",
      fields: { question: form.querySelector("[name=question]").value.trim(), kind, options, show_results: form.querySelector("[name=show_results]").value },
      done: () => form.reset(),
    };
  });
  $("live-floor-end")?.addEventListener("click", () => act("floor", { participant: null }, { errorTarget: error }));
  const kind = panel.querySelector("#live-poll-form [name=kind]");
  const toggleOptions = () => {
    $("live-poll-options").hidden = kind.value === "scale";
  };
  kind?.addEventListener("change", toggleOptions);
  if (kind) toggleOptions();
}

if (root) {
  wireForms();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new LiveSocket(`${scheme}://${location.host}${root.dataset.socket}`, { onHello, onEvent, onFrame, onState });
  socket.connect();
  root.dataset.ready = "1";
}
