// A small reconnect-and-resume WebSocket client for the live room. The server numbers every logged event;
// this client remembers the last number it applied, asks for everything after it when it reconnects, and
// drops any event it has already seen, so each event is applied once and in order.

const REFUSED = new Set([4400, 4403, 4404, 4410]); // the server said no: retrying would not help

export class LiveSocket {
  /**
   * @param {string} url  absolute ws:// or wss:// URL
   * @param {{onHello: Function, onEvent: Function, onFrame: Function, onState: Function}} handlers
   */
  constructor(url, handlers, options = {}) {
    this.url = url;
    this.handlers = handlers;
    this.baseDelay = options.baseDelay || 500;
    this.maxDelay = options.maxDelay || 30000;
    this.lastSeq = null; // null until the first hello
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.resumeAsked = false;
  }

  connect() {
    if (this.stopped) return;
    this.handlers.onState(this.lastSeq === null && this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.resumeAsked = false;
      if (this.lastSeq !== null) this.resume();
      this.handlers.onState("online");
    });
    socket.addEventListener("message", (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (this.stopped || REFUSED.has(event.code)) {
        this.stopped = true;
        this.handlers.onState("refused", event.code);
        return;
      }
      this.handlers.onState("offline");
      setTimeout(() => this.connect(), this.nextDelay());
    });
  }

  /** Exponential backoff with full jitter, so a restarted server is not hit by every client at once. */
  nextDelay() {
    const ceiling = Math.min(this.maxDelay, this.baseDelay * 2 ** this.attempt);
    this.attempt += 1;
    return this.baseDelay / 2 + Math.random() * ceiling;
  }

  resume() {
    this.resumeAsked = true;
    this.send({ type: "resume", last_seq: this.lastSeq });
  }

  receive(frame) {
    if (frame.type === "hello") {
      const first = this.lastSeq === null;
      if (first) this.lastSeq = frame.last_seq || 0;
      this.handlers.onHello(frame, first);
      return;
    }
    if (frame.type === "event") {
      if (this.lastSeq === null || frame.seq <= this.lastSeq) return; // already applied
      if (frame.seq > this.lastSeq + 1) {
        // A gap: ask for what is missing; the replay brings this event again, in order.
        if (!this.resumeAsked) this.resume();
        return;
      }
      this.lastSeq = frame.seq;
      this.resumeAsked = false;
      this.handlers.onEvent(frame);
      return;
    }
    this.handlers.onFrame(frame);
  }

  /** Send a frame; false when the socket is not open (the caller keeps what the person typed). */
  send(frame) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close();
  }
}
