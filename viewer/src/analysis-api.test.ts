import { afterEach, describe, expect, it, vi } from "vitest";

import {
  CORRIDOR_URL,
  SIGHTLINE_URL,
  corridorBody,
  failureReason,
  maxHeightUrl,
  pageRelative,
  parseCorridor,
  parsePoint,
  parseSightline,
  parseSunlight,
  polygonRings,
  postJson,
  runSightline,
  safeUrl,
  sightlineBody,
  sunlightBody,
} from "./analysis-api";
import { ApiError } from "./api";

const OBSTRUCTION = {
  feature_id: "demo-buildings:B000002",
  layer: "demo-buildings",
  kind: "buildings",
  distance_m: 119.772,
  point: [114.0661, 22.5407, 20],
};
const FIRST = { ...OBSTRUCTION, feature_id: "demo-buildings:B000001", distance_m: 52.846, point: [114.0655, 22.5407, 20] };
const SIGHTLINE = {
  visible: false,
  distance_m: 154.3,
  obstructions: [OBSTRUCTION, FIRST],
  layers: ["demo-buildings", "demo-terrain"],
  from: [114.065, 22.54072, 20],
  to: [114.0665, 22.54072, 20],
};

const CORRIDOR = {
  id: "c1a2",
  polygon: { type: "Polygon", coordinates: [[[114, 22.5], [114.01, 22.5], [114.01, 22.51], [114, 22.5]]] },
  threshold_surface: { eye: [114, 22.5, 11.6], targets: [[114.01, 22.5, 80], [114.01, 22.51, 80]] },
  cell_m: 2,
  intrusions: [
    { feature_id: "b2", layer: "demo-buildings", kind: "buildings", max_intrusion_m: 1.5, volume_m3: 20, point: [114.005, 22.5, 40] },
    { feature_id: "b1", layer: "demo-buildings", kind: "buildings", max_intrusion_m: 12, volume_m3: 3400, point: [114.006, 22.5, 60] },
  ],
  max_height: { png: "/api/analysis/corridor/c1a2/max-height.png", tif: "/api/analysis/corridor/c1a2/max-height.tif", rectangle: [114, 22.5, 114.01, 22.51] },
  layers: ["demo-buildings"],
};

const SUN_POINT = {
  point: [114.06, 22.54, 12],
  normal: [0, -1, 0],
  hours: 2.5,
  total_min: 150,
  longest_continuous_min: 120,
  passes: true,
  periods: [["08:12", "10:40"]],
};
const SUN_RUN = { points: [SUN_POINT, { ...SUN_POINT, hours: 0.5, passes: false, normal: null }], summary: { count: 2, passing: 1, failing: 1, min_hours: 0.5, max_hours: 2.5 } };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("analysis request bodies", () => {
  it("a sightline sends both ends and the scenario when a proposal is added", () => {
    expect(sightlineBody([1, 2, 3], [4, 5, 6], null)).toEqual({ from: [1, 2, 3], to: [4, 5, 6] });
    expect(sightlineBody([1, 2, 3], [4, 5, 6], { add: ["p"], compare: true })).toEqual({
      from: [1, 2, 3],
      to: [4, 5, 6],
      scenario: { add: ["p"], compare: true },
    });
    expect(sightlineBody([1, 2, 3], [4, 5, 6], { add: [], compare: true })).not.toHaveProperty("scenario");
  });

  it("a corridor sends the viewpoint, targets, eye height, threshold and half width", () => {
    const request = { viewpoint: [114, 22.5, 10] as const, targets: [[114.01, 22.5, 80] as const], eyeHeightM: 1.6, halfWidthM: 25 };
    expect(corridorBody({ ...request, threshold: { kind: "plane", targetHeightM: 80 } }, null)).toEqual({
      viewpoint: [114, 22.5, 10],
      targets: [[114.01, 22.5, 80]],
      eye_height_m: 1.6,
      threshold: { kind: "plane", target_height_m: 80 },
      half_width_m: 25,
    });
    expect(corridorBody({ ...request, threshold: { kind: "clearance", metres: 5 } }, { add: ["p"], compare: true })).toMatchObject({
      threshold: { kind: "clearance", metres: 5 },
      scenario: { add: ["p"], compare: true },
    });
  });

  it("a sunlight run leaves the date out when empty (the server's 大寒)", () => {
    const request = { building: "demo-buildings:B1", date: "", window: ["08:00", "16:00"] as const, stepMin: 1, requiredHours: 2 };
    expect(sunlightBody(request, null)).toEqual({ building: "demo-buildings:B1", window: ["08:00", "16:00"], step_min: 1, required_hours: 2 });
    expect(sunlightBody({ ...request, date: "2026-01-20" }, null)).toHaveProperty("date", "2026-01-20");
  });
});

describe("analysis responses", () => {
  it("a sightline is read with its obstructions nearest first", () => {
    const result = parseSightline(SIGHTLINE);
    expect(result.before).toBeNull();
    expect(result.after.visible).toBe(false);
    expect(result.after.distanceM).toBe(154.3);
    expect(result.after.obstructions.map((o) => [o.featureId, o.distanceM])).toEqual([
      ["demo-buildings:B000001", 52.846],
      ["demo-buildings:B000002", 119.772],
    ]);
    expect(result.from).toEqual([114.065, 22.54072, 20]);
    expect(result.layers).toEqual(["demo-buildings", "demo-terrain"]);
  });

  it("a compared sightline has a before and an after", () => {
    const { visible, distance_m, obstructions } = SIGHTLINE;
    const result = parseSightline({
      before: { visible: true, distance_m, obstructions: [] },
      after: { visible, distance_m, obstructions },
      layers: ["demo-buildings", "demo-proposal"],
      from: SIGHTLINE.from,
      to: SIGHTLINE.to,
    });
    expect(result.before?.visible).toBe(true);
    expect(result.after.obstructions).toHaveLength(2);
  });

  it("an unusable sightline body is a bad response", () => {
    expect(() => parseSightline({ visible: "no", from: [1, 2, 3], to: [1, 2, 3] })).toThrow(ApiError);
    expect(() => parseSightline({ ...SIGHTLINE, from: [1, 2] })).toThrow(ApiError);
    expect(() => parseSightline(null)).toThrow(ApiError);
  });

  it("a corridor is read with its wedge, intrusions (largest first) and maximum height map", () => {
    const result = parseCorridor(CORRIDOR);
    expect(result.id).toBe("c1a2");
    expect(result.polygon[0]).toHaveLength(4);
    expect(result.surface?.targets).toHaveLength(2);
    expect(result.after.map((i) => i.featureId)).toEqual(["b1", "b2"]);
    expect(result.before).toBeNull();
    expect(result.cellM).toBe(2);
    expect(result.maxHeight).toEqual({
      png: "api/analysis/corridor/c1a2/max-height.png",
      tif: "api/analysis/corridor/c1a2/max-height.tif",
      rectangle: [114, 22.5, 114.01, 22.51],
    });
  });

  it("a compared corridor reads before and after intrusions; missing URLs come from the id", () => {
    const { intrusions, ...rest } = CORRIDOR;
    const result = parseCorridor({
      ...rest,
      max_height: { rectangle: [114, 22.5, 114.01, 22.51], png: "javascript:alert(1)" },
      before: { intrusions: [] },
      after: { intrusions },
    });
    expect(result.before).toEqual([]);
    expect(result.after).toHaveLength(2);
    expect(result.maxHeight?.png).toBe(maxHeightUrl("c1a2", "png"));
    expect(result.maxHeight?.tif).toBe("api/analysis/corridor/c1a2/max-height.tif");
    expect(() => parseCorridor({ id: "x" })).toThrow(ApiError);
    expect(parseCorridor({ ...CORRIDOR, max_height: { png: "a.png", tif: "a.tif", rectangle: [1, 2, 0, 3] } }).maxHeight).toBeNull();
  });

  it("sunlight is read with its points and summary, compared or not", () => {
    const result = parseSunlight({ date: "2026-01-20", window: ["08:00", "16:00"], step_min: 1, required_hours: 2, ...SUN_RUN, layers: ["a"] });
    expect(result.date).toBe("2026-01-20");
    expect(result.requiredHours).toBe(2);
    expect(result.before).toBeNull();
    expect(result.after.points).toHaveLength(2);
    expect(result.after.points[0]).toMatchObject({ hours: 2.5, passes: true, normal: [0, -1, 0], periods: [["08:12", "10:40"]] });
    expect(result.after.points[1]?.normal).toBeNull();
    expect(result.after.summary).toEqual({ count: 2, passing: 1, failing: 1, minHours: 0.5, maxHours: 2.5 });

    const compared = parseSunlight({ date: "2026-01-20", window: ["08:00", "16:00"], before: SUN_RUN, after: { points: [SUN_POINT] } });
    expect(compared.before?.points).toHaveLength(2);
    expect(compared.after.summary).toEqual({ count: 1, passing: 1, failing: 0, minHours: 2.5, maxHours: 2.5 });
    expect(() => parseSunlight({ date: "x" })).toThrow(ApiError);
  });

  it("points, rings and URLs are read defensively", () => {
    expect(parsePoint([1, 2, 3, 4])).toEqual([1, 2, 3]);
    expect(parsePoint([1, "2", 3])).toBeNull();
    expect(polygonRings({ type: "MultiPolygon", coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]]] })).toHaveLength(1);
    expect(polygonRings({ type: "Point", coordinates: [0, 0] })).toEqual([]);
    expect(safeUrl("/api/analysis/corridor/x/max-height.png")).toBe("/api/analysis/corridor/x/max-height.png");
    expect(safeUrl("http://127.0.0.1:8000/a.tif")).toBe("http://127.0.0.1:8000/a.tif");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("data:image/png;base64,xx")).toBeNull();
    expect(safeUrl(3)).toBeNull();
    expect(pageRelative("/api/x.png")).toBe("api/x.png");
    expect(pageRelative("/prefix/api/x.png")).toBe("/prefix/api/x.png");
    expect(pageRelative(null)).toBeNull();
    expect(maxHeightUrl("a b", "tif")).toBe(`${CORRIDOR_URL}/a%20b/max-height.tif`);
  });
});

describe("analysis transport", () => {
  it("posts JSON and parses the answer", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(SIGHTLINE), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const result = await runSightline([114.065, 22.54072, 20], [114.0665, 22.54072, 20], { add: ["p"], compare: true });
    expect(result.after.obstructions).toHaveLength(2);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(SIGHTLINE_URL);
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual({
      from: [114.065, 22.54072, 20],
      to: [114.0665, 22.54072, 20],
      scenario: { add: ["p"], compare: true },
    });
  });

  it("a server failure carries the server's description", async () => {
    const body = { code: "invalid_input", description: "layer 'x' cannot be added: it has no surfaces yet" };
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(body), { status: 400 }));
    const error = await postJson(SIGHTLINE_URL, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(failureReason(error)).toEqual({ kind: "server", text: body.description });
  });

  it("a failure without a description says its code or status; network and bad bodies are told apart", async () => {
    vi.stubGlobal("fetch", async () => new Response("oops", { status: 502 }));
    expect(failureReason(await postJson(SIGHTLINE_URL, {}).catch((e: unknown) => e))).toEqual({ kind: "server", text: "HTTP 502" });
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ code: "busy" }), { status: 503 }));
    expect(failureReason(await postJson(SIGHTLINE_URL, {}).catch((e: unknown) => e))).toEqual({ kind: "server", text: "busy" });
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    expect(failureReason(await postJson(SIGHTLINE_URL, {}).catch((e: unknown) => e))).toEqual({ kind: "network" });
    vi.stubGlobal("fetch", async () => new Response("not json", { status: 200 }));
    expect(failureReason(await postJson(SIGHTLINE_URL, {}).catch((e: unknown) => e))).toEqual({ kind: "bad-response" });
    expect(failureReason(new Error("x"))).toEqual({ kind: "bad-response" });
  });
});
