import { describe, expect, it } from "vitest";

import { Coalesced } from "./coalesce";

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("Coalesced", () => {
  it("runs once more after the run under way however often it was asked meanwhile", async () => {
    const gates = [gate(), gate()];
    let runs = 0;
    const c = new Coalesced(async () => {
      const g = gates[runs];
      runs += 1;
      await g?.promise;
    });
    const first = c.run();
    const second = c.run();
    void c.run();
    expect(runs).toBe(1);
    gates[0]?.open();
    await Promise.resolve();
    await Promise.resolve();
    gates[1]?.open();
    await first;
    await second;
    expect(runs).toBe(2);
    await c.run();
    expect(runs).toBe(3);
  });

  it("skips the extra run when it is no longer wanted", async () => {
    const g = gate();
    let runs = 0;
    let wanted = true;
    const c = new Coalesced(async () => {
      runs += 1;
      await g.promise;
    }, () => wanted);
    const first = c.run();
    void c.run();
    wanted = false;
    g.open();
    await first;
    expect(runs).toBe(1);
  });
});
