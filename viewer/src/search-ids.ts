// Which feature ids a search text may mean. Feature ids are layer-qualified
// ("demo-buildings:B000123"); planners often type only the source id ("B000123").
// Pure module: no DOM, no network.

/** The ids to try, in order: "<layer>:<text>" for each layer, then the text itself. */
export function candidateIds(text: string, layerIds: readonly string[]): string[] {
  const id = text.trim();
  if (id === "") {
    return [];
  }
  if (id.includes(":")) {
    return [id];
  }
  return [...layerIds.map((layer) => `${layer}:${id}`), id];
}
