// The websocket client of api/overlays/ws: connects, hands every event over in
// seq order (each once), and when the connection drops reconnects with
// exponential backoff and ?since=<last seq>, so that the server's catch-up
// fills what was missed. The socket and the timers are injected, so that tests
// drive it without a network.

import { CHANNELS, type Channel, type OverlayEvent, parseFrame } from "./overlay-live-state";

/** The first reconnect waits this long; each failure doubles it, up to MAX_BACKOFF_MS. */
export const BASE_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 15_000;

/** How long to wait before reconnect attempt `attempt` (0 = the first after a drop). */
export function backoffMs(attempt: number, base = BASE_BACKOFF_MS, max = MAX_BACKOFF_MS): number {
  return Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
}

/**
 * What the client has seen of the event log: `since` is the seq of the last
 * event applied (null: not known yet, so a connection starts with new events
 * only and the state must be read afresh).
 */
export class FeedCursor {
  private last: number | null;

  constructor(since: number | null = null) {
    this.last = since;
  }

  get since(): number | null {
    return this.last;
  }

  /**
   * The server's hello. True when the state must be reloaded: the client knew no
   * seq (so what happened before this connection is unknown), or the server's log
   * is behind the client's (it was reset; the old seqs mean nothing any more).
   */
  hello(seq: number): boolean {
    if (this.last === null || seq < this.last) {
      this.last = seq;
      return true;
    }
    return false;
  }

  /** True when the event is new (apply it); false for one already applied. */
  accept(seq: number): boolean {
    if (this.last !== null && seq <= this.last) {
      return false;
    }
    this.last = seq;
    return true;
  }

  /** A heartbeat: its seq is a safe place to reconnect from once the events before it arrived. */
  ping(seq: number): void {
    if (this.last !== null && seq > this.last) {
      this.last = seq;
    }
  }

  /** Forgets everything (the state is being reloaded from `seq`). */
  reset(seq: number | null): void {
    this.last = seq;
  }
}

/** The websocket URL: the page's origin and path + api/overlays/ws, ws: or wss: as the page. */
export function feedUrl(pageUrl: string, since: number | null, channels: readonly Channel[] = CHANNELS): string {
  const url = new URL("api/overlays/ws", pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  if (since !== null) {
    url.searchParams.set("since", String(since));
  }
  if (channels.length !== CHANNELS.length) {
    url.searchParams.set("channels", channels.join(","));
  }
  return url.toString();
}

/** A connection as the client sees it: it hears of each text frame and of the close. */
export interface SocketLike {
  close(): void;
}

export interface SocketHandlers {
  message(data: string): void;
  /** The connection closed or could not be made (called once). */
  closed(): void;
}

export type OpenSocket = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  set(callback: () => void, ms: number): number;
  clear(handle: number): void;
}

export type FeedStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface LiveFeedEvents {
  /** A new event (never one already delivered). */
  event(event: OverlayEvent): void;
  /** The state must be read afresh (and the events after it will follow). */
  resync(): void;
  status(status: FeedStatus, detail: { attempt: number; since: number | null }): void;
}

export class LiveFeed {
  private readonly pageUrl: string;
  private readonly cursor: FeedCursor;
  private readonly open: OpenSocket;
  private readonly events: LiveFeedEvents;
  private readonly timers: Timers;
  private readonly channels: readonly Channel[];
  private socket: SocketLike | null = null;
  private retry: number | null = null;
  private attempt = 0;
  private running = false;
  private current: FeedStatus = "stopped";

  constructor(options: {
    pageUrl: string;
    cursor: FeedCursor;
    open: OpenSocket;
    events: LiveFeedEvents;
    timers: Timers;
    channels?: readonly Channel[];
  }) {
    this.pageUrl = options.pageUrl;
    this.cursor = options.cursor;
    this.open = options.open;
    this.events = options.events;
    this.timers = options.timers;
    this.channels = options.channels ?? CHANNELS;
  }

  get status(): FeedStatus {
    return this.current;
  }

  /** How many reconnect attempts failed in a row (0 while live). */
  get failures(): number {
    return this.attempt;
  }

  start(): void {
    if (this.running) {
      return;
    }
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.retry !== null) {
      this.timers.clear(this.retry);
      this.retry = null;
    }
    const socket = this.socket;
    this.socket = null;
    socket?.close(); // its close is no longer heard: this.socket is not it any more
    this.setStatus("stopped");
  }

  private setStatus(status: FeedStatus): void {
    this.current = status;
    this.events.status(status, { attempt: this.attempt, since: this.cursor.since });
  }

  private connect(): void {
    this.retry = null;
    this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    let socket: SocketLike | null = null;
    const handlers: SocketHandlers = {
      message: (data) => {
        if (socket !== null && this.socket === socket) {
          this.receive(data);
        }
      },
      closed: () => {
        if (socket !== null && this.socket === socket) {
          this.socket = null;
          this.scheduleRetry();
        }
      },
    };
    try {
      socket = this.open(feedUrl(this.pageUrl, this.cursor.since, this.channels), handlers);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
  }

  private receive(data: string): void {
    const frame = parseFrame(data);
    if (frame === null) {
      return;
    }
    if (frame.type === "hello") {
      this.attempt = 0;
      const reload = this.cursor.hello(frame.seq);
      this.setStatus("live");
      if (reload) {
        this.events.resync();
      }
    } else if (frame.type === "ping") {
      this.cursor.ping(frame.seq);
    } else if (this.cursor.accept(frame.event.seq)) {
      this.events.event(frame.event);
    }
  }

  private scheduleRetry(): void {
    if (!this.running) {
      return;
    }
    const wait = backoffMs(this.attempt);
    this.attempt += 1;
    this.setStatus("reconnecting");
    this.retry = this.timers.set(() => this.connect(), wait);
  }
}

/** A browser WebSocket, for LiveFeed. */
export const browserSocket: OpenSocket = (url, handlers) => {
  const socket = new WebSocket(url);
  socket.addEventListener("message", (event: MessageEvent) => {
    if (typeof event.data === "string") {
      handlers.message(event.data);
    }
  });
  socket.addEventListener("close", () => handlers.closed());
  return socket;
};

export const browserTimers: Timers = {
  set: (callback, ms) => window.setTimeout(callback, ms),
  clear: (handle) => window.clearTimeout(handle),
};
