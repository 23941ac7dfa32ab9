import { describe, expect, it } from "vitest";

import { formatCameraView, parseCameraView, readCameraFromHash, writeCameraToHash } from "./camera-hash";

const view = { lon: 121.4737123, lat: 31.2304456, height: 412.34, heading: 45.5, pitch: -35, roll: 0 };

describe("camera in the URL hash", () => {
  it("a view written to the hash reads back the same, to the stored precision", () => {
    const back = readCameraFromHash(writeCameraToHash("", view));
    expect(back).not.toBeNull();
    expect(back?.lon).toBeCloseTo(view.lon, 7);
    expect(back?.lat).toBeCloseTo(view.lat, 7);
    expect(back?.height).toBeCloseTo(412.3, 1);
    expect(back?.heading).toBeCloseTo(45.5, 2);
    expect(back?.pitch).toBeCloseTo(-35, 2);
    expect(back?.roll).toBeCloseTo(0, 2);
  });

  it("the text is short: trailing zeros are dropped", () => {
    expect(formatCameraView({ lon: 120, lat: 30.5, height: 1000, heading: 0, pitch: -90, roll: 0 })).toBe(
      "120,30.5,1000,0,-90,0",
    );
  });

  it("headings are kept in 0..360 and a roll of almost a full turn reads as zero", () => {
    expect(formatCameraView({ ...view, heading: -90, roll: 359.999 })).toMatch(/,270,-35,0$/);
    expect(formatCameraView({ ...view, heading: 359.999 })).toMatch(/,0,-35,0$/);
  });

  it("other hash entries are kept when the camera is written", () => {
    const hash = writeCameraToHash("#layer=demo&cam=1,2,3,0,-90,0", view);
    expect(hash.startsWith("#layer=demo&cam=121.4737123,")).toBe(true);
    expect(writeCameraToHash("#layer=demo", view).startsWith("#cam=")).toBe(true);
    expect(writeCameraToHash("#layer=demo", view).endsWith("&layer=demo")).toBe(true);
  });

  it("a hash without a camera gives none", () => {
    expect(readCameraFromHash("")).toBeNull();
    expect(readCameraFromHash("#layer=demo")).toBeNull();
    expect(readCameraFromHash("#camera=1,2,3")).toBeNull();
  });

  it("three numbers mean a camera looking straight down", () => {
    expect(parseCameraView("116.4,39.9,5000")).toEqual({
      lon: 116.4,
      lat: 39.9,
      height: 5000,
      heading: 0,
      pitch: -90,
      roll: 0,
    });
  });

  it.each([
    ["1,2"],
    ["1,2,3,4"],
    ["a,2,3"],
    ["1,,3"],
    ["200,10,100"],
    ["10,95,100"],
    ["10,10,1e12"],
    ["10,10,100,0,-120,0"],
    ["10,10,Infinity"],
  ])("a malformed or impossible camera %s is refused", (text) => {
    expect(parseCameraView(text)).toBeNull();
  });

  it("an escaped camera entry is decoded", () => {
    expect(readCameraFromHash("#cam=116.4%2C39.9%2C5000")?.lat).toBe(39.9);
  });
});
