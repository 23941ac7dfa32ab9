import { describe, expect, it } from "vitest";

import {
  FeedCursor,
  type FeedStatus,
  LiveFeed,
  MAX_BACKOFF_MS,
  type SocketHandlers,
  type Timers,
  backoffMs,
  feedUrl,
} from "./overlay-live";
import type { OverlayEvent } from "./overlay-live-state";

describe("backoffMs", () => {
  it("doubles from half a second up to the maximum", () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(10)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(1000)).toBe(MAX_BACKOFF_MS);
  });
});

describe("FeedCursor", () => {
  it("asks for a reload on the first hello when it knew no seq", () => {
    const cursor = new FeedCursor();
    expect(cursor.hello(12)).toBe(true);
    expect(cursor.since).toBe(12);
  });

  it("keeps its place on a hello ahead of it, so the catch-up fills the gap", () => {
    const cursor = new FeedCursor(5);
    expect(cursor.hello(9)).toBe(false);
    expect(cursor.since).toBe(5);
  });

  it("asks for a reload when the server's log is behind it (reset)", () => {
    const cursor = new FeedCursor(50);
    expect(cursor.hello(3)).toBe(true);
    expect(cursor.since).toBe(3);
  });

  it("accepts each seq once and moves on", () => {
    const cursor = new FeedCursor(5);
    expect(cursor.accept(6)).toBe(true);
    expect(cursor.accept(6)).toBe(false);
    expect(cursor.accept(4)).toBe(false);
    expect(cursor.accept(9)).toBe(true);
    expect(cursor.since).toBe(9);
  });

  it("moves on to a ping's seq but never back", () => {
    const cursor = new FeedCursor(5);
    cursor.ping(8);
    expect(cursor.since).toBe(8);
    cursor.ping(2);
    expect(cursor.since).toBe(8);
  });
});

describe("feedUrl", () => {
  it("makes a ws: URL next to the page, with since", () => {
    expect(feedUrl("http://host:8000/twin/?mode=command#x", 17)).toBe("ws://host:8000/twin/api/overlays/ws?since=17");
    expect(feedUrl("https://host/", null)).toBe("wss://host/api/overlays/ws");
  });

  it("names the channels only when not all of them are wanted", () => {
    expect(feedUrl("http://h/", 0, ["problems", "projects"])).toBe("ws://h/api/overlays/ws?since=0&channels=problems%2Cprojects");
  });
});

class FakeTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();

  set(callback: () => void, ms: number): number {
    const handle = this.next++;
    this.pending.set(handle, { callback, ms });
    return handle;
  }

  clear(handle: number): void {
    this.pending.delete(handle);
  }

  /** Runs the one pending timer; returns its delay. */
  fire(): number {
    const [handle, timer] = [...this.pending.entries()][0] ?? [];
    if (handle === undefined || timer === undefined) {
      throw new Error("no timer pending");
    }
    this.pending.delete(handle);
    timer.callback();
    return timer.ms;
  }
}

function harness(since: number | null) {
  const urls: string[] = [];
  const sockets: Array<{ handlers: SocketHandlers; closed: boolean }> = [];
  const events: OverlayEvent[] = [];
  const statuses: FeedStatus[] = [];
  let resyncs = 0;
  const timers = new FakeTimers();
  const feed = new LiveFeed({
    pageUrl: "http://host/",
    cursor: new FeedCursor(since),
    timers,
    open: (url, handlers) => {
      urls.push(url);
      const socket = { handlers, closed: false };
      sockets.push(socket);
      return { close: () => (socket.closed = true) };
    },
    events: {
      event: (e) => events.push(e),
      resync: () => (resyncs += 1),
      status: (s) => statuses.push(s),
    },
  });
  const send = (frame: object): void => sockets[sockets.length - 1]?.handlers.message(JSON.stringify(frame));
  const drop = (): void => sockets[sockets.length - 1]?.handlers.closed();
  return { feed, urls, sockets, events, statuses, timers, send, drop, resyncs: () => resyncs };
}

function ev(seq: number): object {
  return { type: "event", seq, at: "t", channel: "problems", kind: "updated", id: "p1", actor: "a", payload: {} };
}

describe("LiveFeed", () => {
  it("connects with since, goes live on hello and hands events over in order", () => {
    const h = harness(4);
    h.feed.start();
    expect(h.urls).toEqual(["ws://host/api/overlays/ws?since=4"]);
    h.send({ type: "hello", seq: 6 });
    h.send(ev(5));
    h.send(ev(6));
    expect(h.feed.status).toBe("live");
    expect(h.events.map((e) => e.seq)).toEqual([5, 6]);
    expect(h.resyncs()).toBe(0);
  });

  it("reconnects after a drop with the last seq and drops duplicates of the catch-up", () => {
    const h = harness(0);
    h.feed.start();
    h.send({ type: "hello", seq: 0 });
    h.send(ev(1));
    h.send(ev(2));
    h.drop();
    expect(h.feed.status).toBe("reconnecting");
    expect(h.timers.fire()).toBe(500);
    expect(h.urls[1]).toBe("ws://host/api/overlays/ws?since=2");
    h.send({ type: "hello", seq: 3 });
    h.send(ev(2)); // a duplicate the server might resend
    h.send(ev(3));
    expect(h.events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("backs off longer after each failed attempt and starts over once live", () => {
    const h = harness(0);
    h.feed.start();
    h.drop();
    expect(h.timers.fire()).toBe(500);
    h.drop();
    expect(h.timers.fire()).toBe(1000);
    h.drop();
    expect(h.timers.fire()).toBe(2000);
    expect(h.feed.failures).toBe(3);
    h.send({ type: "hello", seq: 0 });
    expect(h.feed.failures).toBe(0);
    h.drop();
    expect(h.timers.fire()).toBe(500);
  });

  it("asks for a resync when it starts without a seq", () => {
    const h = harness(null);
    h.feed.start();
    expect(h.urls[0]).toBe("ws://host/api/overlays/ws");
    h.send({ type: "hello", seq: 10 });
    expect(h.resyncs()).toBe(1);
    h.send(ev(10));
    h.send(ev(11));
    expect(h.events.map((e) => e.seq)).toEqual([11]);
  });

  it("ignores frames of a socket it has left behind, and stops for good", () => {
    const h = harness(0);
    h.feed.start();
    const first = h.sockets[0];
    h.drop();
    h.timers.fire();
    first?.handlers.message(JSON.stringify(ev(1)));
    expect(h.events).toEqual([]);
    h.feed.stop();
    expect(h.sockets[1]?.closed).toBe(true);
    h.sockets[1]?.handlers.closed();
    expect(h.timers.pending.size).toBe(0);
    expect(h.feed.status).toBe("stopped");
  });

  it("retries when the socket cannot even be made", () => {
    const timers = new FakeTimers();
    let tries = 0;
    const feed = new LiveFeed({
      pageUrl: "http://host/",
      cursor: new FeedCursor(0),
      timers,
      open: () => {
        tries += 1;
        throw new Error("blocked");
      },
      events: { event: () => undefined, resync: () => undefined, status: () => undefined },
    });
    feed.start();
    expect(timers.fire()).toBe(500);
    expect(tries).toBe(2);
  });
});
