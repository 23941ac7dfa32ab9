// Which feature ids a search text may mean. Feature ids are layer-qualified
// ("demo-buildings:B000123"); planners often type only the source id ("B000123").
// Pure module: no DOM, no network.

/** An IFC GlobalId: 22 characters of compressed base-64. BIM features go by it, unqualified. */
const GLOBAL_ID = /^[0-9A-Za-z_$]{22}$/;

/**
 * The ids to try, in order: "<layer>:<text>" for each layer, then the text
 * itself; a GlobalId is tried as it is first (BIM features have no layer prefix).
 */
export function candidateIds(text: string, layerIds: readonly string[]): string[] {
  const id = text.trim();
  if (id === "") {
    return [];
  }
  if (id.includes(":")) {
    return [id];
  }
  const qualified = layerIds.map((layer) => `${layer}:${id}`);
  return GLOBAL_ID.test(id) ? [id, ...qualified] : [...qualified, id];
}
