// The `show` expression (3D Tiles styling language) of a BIM layer: every
// element, or only one storey's, with or without the spaces (IfcSpace).
//
// An id goes into the expression as a quoted string literal, so it is checked
// first: IFC GlobalIds are 22 characters of [0-9A-Za-z_$]; anything else (a
// quote, a brace, a backslash, a space) is refused, never escaped, so no text
// from the server can change what the expression means.

/** The tile property that holds an element's storey GlobalId. */
export const STOREY_PROPERTY = "storey_id";
/** The tile property that holds an element's IFC class. */
export const CLASS_PROPERTY = "class";
/** The IFC class of spaces (rooms), which the "spaces" switch hides. */
export const SPACE_CLASS = "IfcSpace";

/** Characters of an IFC GlobalId (compressed base-64); a generous length bound. */
const SAFE_ID = /^[0-9A-Za-z_$]{1,64}$/;

/** True when `id` may be written into a style expression. */
export function isSafeId(id: unknown): id is string {
  return typeof id === "string" && SAFE_ID.test(id);
}

/** Thrown when an id that is not a GlobalId is meant for a style expression. */
export class UnsafeIdError extends Error {
  readonly id: string;

  constructor(id: string) {
    super(`not a GlobalId, refused in a style expression: ${JSON.stringify(id)}`);
    this.name = "UnsafeIdError";
    this.id = id;
  }
}

/** What a BIM layer shows. */
export interface StoreyFilter {
  /** The GlobalId of the one storey shown, or null for every element. */
  readonly storeyId: string | null;
  /** Whether spaces (IfcSpace) are drawn. */
  readonly showSpaces: boolean;
}

export const SHOW_EVERYTHING: StoreyFilter = { storeyId: null, showSpaces: true };

/** `${name} op 'literal'`, the literal checked to be a GlobalId. */
function compare(property: string, op: "===" | "!==", literal: string): string {
  if (!isSafeId(literal)) {
    throw new UnsafeIdError(literal);
  }
  return `\${${property}} ${op} '${literal}'`;
}

/**
 * The show expression for `filter`: "true" for everything; one storey keeps
 * only elements whose storey_id is that storey (elements with no storey are
 * hidden then); hiding spaces drops class IfcSpace. Throws UnsafeIdError for a
 * storey id that is not a GlobalId.
 */
export function showExpression(filter: StoreyFilter): string {
  const terms: string[] = [];
  if (filter.storeyId !== null) {
    terms.push(compare(STOREY_PROPERTY, "===", filter.storeyId));
  }
  if (!filter.showSpaces) {
    terms.push(compare(CLASS_PROPERTY, "!==", SPACE_CLASS));
  }
  return terms.length === 0 ? "true" : terms.join(" && ");
}
