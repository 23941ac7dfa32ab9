// Every string the viewer shows, in Simplified Chinese (the default) and English.
// Pure module: no DOM, no storage; the UI passes the chosen language in.

export const LANGS = ["zh-CN", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "zh-CN";

const zhCN = {
  "app.title": "twin 城市信息模型",
  "app.subtitle": "三维城市场景",
  "lang.switch": "EN",
  "lang.switchTitle": "Switch to English",
  "search.label": "按要素编号查找",
  "search.placeholder": "例如 demo:B000123",
  "search.submit": "查找",
  "search.empty": "请输入要素编号。",
  "search.searching": "正在查找“{id}”…",
  "search.notFound": "未找到要素“{id}”。",
  "search.found": "已定位要素“{id}”。",
  "search.failed": "查找“{id}”失败。",
  "layers.heading": "图层",
  "layers.loading": "正在读取图层列表…",
  "layers.empty": "暂无已发布的图层。",
  "layers.loadFailed": "无法读取图层列表。",
  "layer.toggle": "显示或隐藏图层“{title}”",
  "layer.opacity": "不透明度",
  "layer.opacityOf": "图层“{title}”的不透明度",
  "layer.fly": "定位",
  "layer.flyTitle": "飞到图层“{title}”",
  "layer.features": "{count} 个要素",
  "layer.status.loading": "加载中…",
  "layer.status.failed": "加载失败",
  "layer.status.unpublished": "未发布",
  "layer.failed": "图层“{title}”加载失败。",
  "info.heading": "要素属性",
  "info.close": "关闭",
  "info.id": "编号",
  "info.layer": "图层",
  "info.class": "类别",
  "info.parent": "所属要素",
  "info.version": "版本",
  "info.height": "高程范围",
  "info.attributes": "属性",
  "info.noAttributes": "无属性。",
  "info.loading": "正在读取属性…",
  "info.tileOnly": "服务器上没有该要素的记录，以下为三维瓦片中的属性。",
  "info.noId": "所选对象没有要素编号。",
  "info.metres": "{min} – {max} 米",
  "value.true": "是",
  "value.false": "否",
  "value.empty": "—",
  "status.loadingTiles": "正在加载三维瓦片…",
  "hint.click": "单击建筑查看属性；拖动旋转，滚轮缩放。",
  "home.tooltip": "查看全部图层",
  "error.network": "网络错误，请检查与服务器的连接。",
  "error.server": "服务器错误（{status}）。",
  "error.badResponse": "服务器返回了无法识别的数据。",
  "message.close": "关闭提示",
  "kind.buildings": "建筑",
  "class.building": "建筑",
  "attr.name": "名称",
  "attr.use": "用途",
  "attr.floors": "层数",
  "attr.height": "高度（米）",
  "attr.year_built": "建成年份",
  "attr.district": "行政区",
  "attr.community": "社区",
  "attr.renewal_status": "城市更新状态",
  "attr.parcel_id": "地块编号",
  "kind.building": "建筑",
  "kind.bim": "BIM 模型",
  "kind.pointcloud": "点云",
  "kind.point_cloud": "点云",
  "kind.terrain": "地形",
  "kind.mesh": "三维网格",
} as const;

export type MessageKey = keyof typeof zhCN;

const en: Record<MessageKey, string> = {
  "app.title": "twin City Information Model",
  "app.subtitle": "3D city scene",
  "lang.switch": "中文",
  "lang.switchTitle": "切换到中文",
  "search.label": "Find by feature ID",
  "search.placeholder": "e.g. demo:B000123",
  "search.submit": "Find",
  "search.empty": "Enter a feature ID.",
  "search.searching": "Looking up “{id}”…",
  "search.notFound": "Feature “{id}” was not found.",
  "search.found": "Showing feature “{id}”.",
  "search.failed": "Looking up “{id}” failed.",
  "layers.heading": "Layers",
  "layers.loading": "Reading the layer list…",
  "layers.empty": "No layers have been published yet.",
  "layers.loadFailed": "Could not read the layer list.",
  "layer.toggle": "Show or hide layer “{title}”",
  "layer.opacity": "Opacity",
  "layer.opacityOf": "Opacity of layer “{title}”",
  "layer.fly": "Fly to",
  "layer.flyTitle": "Fly to layer “{title}”",
  "layer.features": "{count} features",
  "layer.status.loading": "Loading…",
  "layer.status.failed": "Failed to load",
  "layer.status.unpublished": "Not published",
  "layer.failed": "Layer “{title}” failed to load.",
  "info.heading": "Feature attributes",
  "info.close": "Close",
  "info.id": "ID",
  "info.layer": "Layer",
  "info.class": "Class",
  "info.parent": "Part of",
  "info.version": "Version",
  "info.height": "Height range",
  "info.attributes": "Attributes",
  "info.noAttributes": "No attributes.",
  "info.loading": "Reading attributes…",
  "info.tileOnly": "The server has no record of this feature; these properties come from the 3D tile.",
  "info.noId": "The selected object has no feature ID.",
  "info.metres": "{min} – {max} m",
  "value.true": "Yes",
  "value.false": "No",
  "value.empty": "—",
  "status.loadingTiles": "Loading 3D tiles…",
  "hint.click": "Click a building to see its attributes; drag to rotate, scroll to zoom.",
  "home.tooltip": "View all layers",
  "error.network": "Network error: check the connection to the server.",
  "error.server": "Server error ({status}).",
  "error.badResponse": "The server sent data the viewer does not understand.",
  "message.close": "Dismiss",
  "kind.buildings": "Buildings",
  "class.building": "Building",
  "attr.name": "Name",
  "attr.use": "Use",
  "attr.floors": "Floors",
  "attr.height": "Height (m)",
  "attr.year_built": "Year built",
  "attr.district": "District",
  "attr.community": "Community",
  "attr.renewal_status": "Renewal status",
  "attr.parcel_id": "Parcel",
  "kind.building": "Buildings",
  "kind.bim": "BIM model",
  "kind.pointcloud": "Point cloud",
  "kind.point_cloud": "Point cloud",
  "kind.terrain": "Terrain",
  "kind.mesh": "Mesh",
};

const dictionaries: Record<Lang, Readonly<Record<string, string>>> = { "zh-CN": zhCN, en };

export type Params = Readonly<Record<string, string | number>>;

/** True when `value` names a supported language. */
export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** Maps loose spellings ("en-US", "zh", "ZH-cn") to a supported language, or null. */
export function normaliseLang(value: string | null | undefined): Lang | null {
  if (value === null || value === undefined) {
    return null;
  }
  const lower = value.trim().toLowerCase();
  if (lower === "en" || lower.startsWith("en-")) {
    return "en";
  }
  if (lower === "zh" || lower.startsWith("zh-")) {
    return "zh-CN";
  }
  return null;
}

/**
 * The language to show: `?lang=` in the URL wins, then the stored choice, then
 * the default (zh-CN). Unknown values are ignored.
 */
export function resolveLang(search: string, stored: string | null): Lang {
  const fromUrl = normaliseLang(new URLSearchParams(search).get("lang"));
  return fromUrl ?? normaliseLang(stored) ?? DEFAULT_LANG;
}

/** The other language (what the switch button offers). */
export function otherLang(lang: Lang): Lang {
  return lang === "en" ? "zh-CN" : "en";
}

function lookup(lang: Lang, key: string): string | undefined {
  const dictionary = dictionaries[lang];
  return Object.hasOwn(dictionary, key) ? dictionary[key] : undefined;
}

/**
 * Looks `key` up in `lang`, falling back to the default language and then to
 * the key itself, and fills `{name}` placeholders from `params`.
 */
export function translate(lang: Lang, key: string, params: Params = {}): string {
  const template = lookup(lang, key) ?? lookup(DEFAULT_LANG, key) ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** The name of a layer kind ("buildings" → "建筑"); kinds the dictionary lacks read as they are. */
export function translateKind(lang: Lang, kind: string): string {
  const key = `kind.${kind.toLowerCase()}`;
  return lookup(lang, key) ?? lookup(DEFAULT_LANG, key) ?? kind;
}

/** The label of an attribute ("use" → "用途"); attributes the dictionary lacks read as they are. */
export function translateAttribute(lang: Lang, name: string): string {
  return lookup(lang, `attr.${name}`) ?? name;
}

/** The name of a feature class ("building" → "建筑"); classes the dictionary lacks read as they are. */
export function translateClass(lang: Lang, cls: string): string {
  return lookup(lang, `class.${cls}`) ?? cls;
}

/** Every key of a language's dictionary (used by tests to compare languages). */
export function keysOf(lang: Lang): string[] {
  return Object.keys(dictionaries[lang]).sort();
}

/** Formats a number the way the language writes it (grouping, up to 3 decimals). */
export function formatNumber(lang: Lang, value: number, maximumFractionDigits = 3): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits }).format(value);
}
