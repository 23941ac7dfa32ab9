// Remote progress reporting (远程填报): a project's history, and the writes a
// district user makes with a bearer token: POST api/projects/{id}/progress and
// POST api/projects/{id}/photos. The token is held for the browser session only
// (sessionStorage), never in the URL.

import { ApiError, getJson, isObject, num, serverFailure, str } from "./api";
import { clampPercent } from "./health-api";

const TOKEN_KEY = "twin.apiToken";

/** The API token of this browser session (null: none given). */
export function readToken(storage: Pick<Storage, "getItem"> | null = sessionStorageOrNull()): string | null {
  const token = storage?.getItem(TOKEN_KEY) ?? null;
  return token === null || token.trim() === "" ? null : token.trim();
}

export function storeToken(token: string | null, storage: Pick<Storage, "setItem" | "removeItem"> | null = sessionStorageOrNull()): void {
  if (storage === null) {
    return;
  }
  if (token === null || token.trim() === "") {
    storage.removeItem(TOKEN_KEY);
  } else {
    storage.setItem(TOKEN_KEY, token.trim());
  }
}

function sessionStorageOrNull(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null; // storage blocked by the browser
  }
}

export interface HistoryEntry {
  readonly at: string;
  readonly actor: string;
  readonly stage: string | null;
  readonly percent: number | null;
  readonly note: string;
  readonly photos: readonly string[];
}

function entries(body: unknown): unknown[] {
  if (Array.isArray(body)) {
    return body;
  }
  if (isObject(body)) {
    for (const key of ["history", "entries", "events", "items"]) {
      const list = body[key];
      if (Array.isArray(list)) {
        return list;
      }
    }
  }
  throw new ApiError({ kind: "bad-response" });
}

export function parseHistoryEntry(value: unknown): HistoryEntry | null {
  if (!isObject(value)) {
    return null;
  }
  const at = str(value["at"]) ?? str(value["reported_at"]) ?? str(value["created_at"]);
  if (at === null) {
    return null;
  }
  const photos = value["photos"];
  const percent = num(value["percent"]);
  return {
    at,
    actor: str(value["actor"]) ?? str(value["user"]) ?? str(value["reported_by"]) ?? "",
    stage: str(value["stage"]),
    percent: percent === null ? null : clampPercent(percent),
    note: str(value["note"]) ?? "",
    photos: Array.isArray(photos) ? photos.filter((p): p is string => typeof p === "string") : [],
  };
}

/** GET api/projects/{id}/history, newest first. */
export async function fetchHistory(id: string): Promise<HistoryEntry[]> {
  const { status, body } = await getJson(`api/projects/${encodeURIComponent(id)}/history`);
  if (status !== 200) {
    throw serverFailure(status, body);
  }
  const list = entries(body)
    .map(parseHistoryEntry)
    .filter((e): e is HistoryEntry => e !== null);
  return list.sort((a, b) => b.at.localeCompare(a.at));
}

export interface ProgressReport {
  readonly stage?: string;
  readonly percent?: number;
  readonly note?: string;
}

export type ReportCheck =
  | { readonly ok: true; readonly report: ProgressReport }
  | { readonly ok: false; readonly problem: "nothing" | "badPercent" };

/**
 * The report of the form's fields against the project as it is: only what
 * changed (a stage or percent equal to the current one is left out), a
 * percent checked to be 0 … 100; nothing at all is refused.
 */
export function buildReport(
  current: { stage: string; percent: number },
  fields: { stage: string; percent: string; note: string },
): ReportCheck {
  const report: { stage?: string; percent?: number; note?: string } = {};
  if (fields.stage !== "" && fields.stage !== current.stage) {
    report.stage = fields.stage;
  }
  const rawPercent = fields.percent.trim();
  if (rawPercent !== "") {
    const percent = Number(rawPercent);
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      return { ok: false, problem: "badPercent" };
    }
    if (percent !== current.percent) {
      report.percent = percent;
    }
  }
  const note = fields.note.trim();
  if (note !== "") {
    report.note = note;
  }
  return Object.keys(report).length === 0 ? { ok: false, problem: "nothing" } : { ok: true, report };
}

async function send(url: string, token: string, init: { body: BodyInit; json: boolean }): Promise<unknown> {
  let response: Response;
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
  if (init.json) {
    headers["Content-Type"] = "application/json";
  }
  try {
    response = await fetch(url, { method: "POST", headers, body: init.body });
  } catch {
    throw new ApiError({ kind: "network" });
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw serverFailure(response.status, body);
  }
  return body;
}

/** POST api/projects/{id}/progress. */
export async function postProgress(id: string, report: ProgressReport, token: string): Promise<unknown> {
  return send(`api/projects/${encodeURIComponent(id)}/progress`, token, { body: JSON.stringify(report), json: true });
}

/** POST api/projects/{id}/photos (multipart `file`). */
export async function postPhoto(id: string, file: Blob, name: string, token: string): Promise<unknown> {
  const form = new FormData();
  form.append("file", file, name);
  return send(`api/projects/${encodeURIComponent(id)}/photos`, token, { body: form, json: false });
}

/** What a failed write says to the user: the server's description, else its code or status. */
export function failureReason(error: unknown): string {
  if (error instanceof ApiError) {
    const f = error.failure;
    if (f.kind === "server") {
      return f.description !== "" ? f.description : f.code !== "" ? f.code : `HTTP ${f.status}`;
    }
    return f.kind === "network" ? "network" : "bad response";
  }
  return String(error);
}
