// The `metadata` object of a layer from GET api/layers, read leniently: a BIM
// layer says where its model came from and how it was georeferenced; other
// layers send `{}`. Anything missing or of the wrong type reads as absent.

/** How a BIM model was placed on the map. */
export interface Georeference {
  /** e.g. "map_conversion" (IfcMapConversion); null when not said. */
  readonly source: string | null;
  /** e.g. "EPSG:4547"; null when not said. */
  readonly crs: string | null;
  /** What the server found doubtful, as readable sentences. */
  readonly warnings: readonly string[];
}

export interface LayerMetadata {
  /** IFC schema of the source, e.g. "IFC4". */
  readonly schema: string | null;
  /** The submitted file's name, e.g. "proposal.ifc". */
  readonly sourceFile: string | null;
  readonly georeference: Georeference | null;
}

export const EMPTY_METADATA: LayerMetadata = { schema: null, sourceFile: null, georeference: null };

/** At most this many warnings are kept (a broken model must not flood the page). */
export const MAX_WARNINGS = 50;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value !== "string") {
    return null;
  }
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

/** One warning as a sentence: a string, or an object with a message (else its code). */
function warningText(value: unknown): string | null {
  if (typeof value === "string") {
    return text(value);
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (isObject(value)) {
    return text(value["message"]) ?? text(value["description"]) ?? text(value["text"]) ?? text(value["code"]);
  }
  return null;
}

/** The warnings of a georeference: a list (or one lone warning), blanks dropped. */
export function parseWarnings(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const out: string[] = [];
  for (const item of items) {
    const warning = warningText(item);
    if (warning !== null) {
      out.push(warning);
      if (out.length === MAX_WARNINGS) {
        break;
      }
    }
  }
  return out;
}

export function parseGeoreference(value: unknown): Georeference | null {
  if (!isObject(value)) {
    return null;
  }
  return {
    source: text(value["source"]),
    crs: text(value["crs"]),
    warnings: parseWarnings(value["warnings"]),
  };
}

/** A layer's metadata; never throws, unusable parts read as absent. */
export function parseLayerMetadata(value: unknown): LayerMetadata {
  if (!isObject(value)) {
    return EMPTY_METADATA;
  }
  return {
    schema: text(value["schema"]),
    sourceFile: text(value["source_file"]),
    georeference: parseGeoreference(value["georeference"]),
  };
}

/** True for the layer kind of IFC submissions. */
export function isBimKind(kind: string): boolean {
  return kind.trim().toLowerCase() === "bim";
}
