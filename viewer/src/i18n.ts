// Every string the viewer shows, in Simplified Chinese (the default) and English.
// Pure module: no DOM, no storage; the UI passes the chosen language in. The
// review panel's strings live in review-i18n.ts and are merged in here.

import { REVIEW_EN, REVIEW_ZH } from "./review-i18n";

export const LANGS = ["zh-CN", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "zh-CN";

const zhCN = {
  "app.title": "twin 城市信息模型",
  "app.subtitle": "三维城市场景",
  "lang.switch": "EN",
  "lang.switchTitle": "Switch to English",
  "search.label": "查找要素（名称、地址、编号或拼音）",
  "search.placeholder": "例如 福田中心、ftzx 或 demo:B000123",
  "search.suggestions": "搜索建议",
  "search.noSuggestions": "没有匹配的要素，按回车按编号查找。",
  "search.suggestFailed": "暂时无法获取搜索建议。",
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
  "kind.streets": "街道设施",
  "pointcloud.styleLabel": "着色",
  "pointcloud.styleOf": "图层“{title}”的点云着色方式",
  "pointcloud.style.rgb": "真彩色（RGB）",
  "pointcloud.style.classification": "按分类",
  "pointcloud.style.intensity": "按强度",
  "pointcloud.class.ground": "地面",
  "pointcloud.class.lowVegetation": "低矮植被",
  "pointcloud.class.mediumVegetation": "中等植被",
  "pointcloud.class.highVegetation": "高植被",
  "pointcloud.class.building": "建筑",
  "pointcloud.class.water": "水体",
  "pointcloud.class.road": "路面",
  "pointcloud.class.other": "其他",
  "terrain.picked": "地形：{title}",
  "info.class.code": "{label}（{code}）",
  "bim.heading": "构件属性",
  "bim.globalId": "全局编号",
  "bim.name": "名称",
  "bim.storey": "楼层",
  "bim.parent": "上级",
  "bim.openStorey": "查看楼层“{name}”",
  "bim.openParent": "查看上级要素",
  "bim.general": "常规",
  "bim.setCount": "{count} 项",
  "bim.children": "下级要素",
  "bim.childrenLoading": "正在读取下级要素…",
  "bim.childrenEmpty": "没有下级要素。",
  "bim.childrenFailed": "无法读取下级要素。",
  "bim.childrenMore": "另有 {count} 个未列出。",
  "bim.storeys": "楼层",
  "bim.allStoreys": "全部楼层",
  "bim.allStoreysTitle": "显示模型的全部构件",
  "bim.storeysLoading": "正在读取楼层…",
  "bim.storeysFailed": "无法读取楼层列表。",
  "bim.storeysEmpty": "模型中没有楼层。",
  "bim.storeysFailedMessage": "图层“{title}”的楼层列表读取失败。",
  "bim.storeyElevation": "标高 {elevation}",
  "bim.isolateTitle": "仅显示楼层“{name}”",
  "bim.isolateStorey": "仅显示此楼层",
  "bim.spaces": "显示空间（IfcSpace）",
  "bim.spacesTitle": "显示或隐藏房间空间体（IfcSpace）",
  "bim.schema": "IFC 版本",
  "bim.sourceFile": "源文件",
  "bim.crs": "坐标系",
  "bim.georefSource": "地理配准方式",
  "bim.georefWarnings": "地理配准警告（{count}）",
  "bim.georefWarningsTitle": "地理配准警告",
  "bim.notGeoreferenced": "模型未提供地理配准信息",
  "georef.source.map_conversion": "IfcMapConversion 地图转换",
  "class.ifcwall": "墙",
  "class.ifcslab": "板",
  "class.ifcwindow": "窗",
  "class.ifcdoor": "门",
  "class.ifcspace": "空间",
  "class.ifccolumn": "柱",
  "class.ifcbeam": "梁",
  "class.ifcstair": "楼梯",
  "class.ifcstairflight": "梯段",
  "class.ifcroof": "屋顶",
  "class.ifcrailing": "栏杆",
  "class.ifccurtainwall": "幕墙",
  "class.ifcmember": "构件",
  "class.ifcplate": "板材",
  "class.ifccovering": "覆面",
  "class.ifcfooting": "基础",
  "class.ifcpile": "桩",
  "class.ifcramp": "坡道",
  "class.ifcrampflight": "坡道段",
  "class.ifcchimney": "烟囱",
  "class.ifcshadingdevice": "遮阳构件",
  "class.ifcopeningelement": "洞口",
  "class.ifcbuildingelementproxy": "通用构件",
  "class.ifcbuildingelementpart": "构件部件",
  "class.ifcelementassembly": "构件组合",
  "class.ifcfurnishingelement": "家具",
  "class.ifcfurniture": "家具",
  "class.ifcflowterminal": "末端设备",
  "class.ifcsanitaryterminal": "卫生器具",
  "class.ifclightfixture": "灯具",
  "class.ifcreinforcingbar": "钢筋",
  "class.ifcbuildingstorey": "楼层",
  "class.ifcbuilding": "建筑",
  "class.ifcsite": "场地",
  "class.ifcproject": "项目",
  "class.ifczone": "区域",
  "attr.GlobalId": "全局编号",
  "attr.class": "类别",
  "attr.predefined_type": "预定义类型",
  "attr.tag": "标记",
  "attr.description": "描述",
  "attr.storey": "楼层",
  "attr.storey_id": "楼层编号",
  "attr.building": "建筑",
  "attr.site": "场地",
  "attr.elevation": "标高",
  "attr.materials": "材料",
  "attr.material": "材料",
  "attr.classification": "分类编码",
  "attr.is_external": "外部构件",
  "attr.load_bearing": "承重",
  "attr.fire_rating": "耐火等级",
  "prop.IsExternal": "外部构件",
  "prop.LoadBearing": "承重",
  "prop.FireRating": "耐火等级",
  "prop.Reference": "参照",
  "prop.Status": "状态",
  "prop.Combustible": "可燃",
  "prop.ThermalTransmittance": "传热系数",
  "prop.AcousticRating": "隔声等级",
  "prop.Height": "高度",
  "prop.Width": "宽度",
  "prop.Length": "长度",
  "prop.Depth": "深度",
  "prop.Thickness": "厚度",
  "prop.Perimeter": "周长",
  "prop.NetFloorArea": "净面积",
  "prop.GrossFloorArea": "毛面积",
  "prop.NetArea": "净面积",
  "prop.GrossArea": "毛面积",
  "prop.NetVolume": "净体积",
  "prop.GrossVolume": "毛体积",
  "prop.NetSideArea": "净侧面积",
  "prop.GrossSideArea": "毛侧面积",
  ...REVIEW_ZH,
} as const;

export type MessageKey = keyof typeof zhCN;

const en: Record<MessageKey, string> = {
  "app.title": "twin City Information Model",
  "app.subtitle": "3D city scene",
  "lang.switch": "中文",
  "lang.switchTitle": "切换到中文",
  "search.label": "Find a feature (name, address, ID or pinyin)",
  "search.placeholder": "e.g. 福田中心, ftzx or demo:B000123",
  "search.suggestions": "Search suggestions",
  "search.noSuggestions": "No matching feature; press Enter to look the ID up.",
  "search.suggestFailed": "Suggestions are unavailable right now.",
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
  "kind.streets": "Streets",
  "pointcloud.styleLabel": "Colour",
  "pointcloud.styleOf": "How layer “{title}” colours its points",
  "pointcloud.style.rgb": "True colour (RGB)",
  "pointcloud.style.classification": "By classification",
  "pointcloud.style.intensity": "By intensity",
  "pointcloud.class.ground": "Ground",
  "pointcloud.class.lowVegetation": "Low vegetation",
  "pointcloud.class.mediumVegetation": "Medium vegetation",
  "pointcloud.class.highVegetation": "High vegetation",
  "pointcloud.class.building": "Building",
  "pointcloud.class.water": "Water",
  "pointcloud.class.road": "Road surface",
  "pointcloud.class.other": "Other",
  "terrain.picked": "Terrain: {title}",
  "info.class.code": "{label} ({code})",
  "bim.heading": "Element properties",
  "bim.globalId": "GlobalId",
  "bim.name": "Name",
  "bim.storey": "Storey",
  "bim.parent": "Parent",
  "bim.openStorey": "Open storey “{name}”",
  "bim.openParent": "Open the parent",
  "bim.general": "General",
  "bim.setCount": "{count} items",
  "bim.children": "Contains",
  "bim.childrenLoading": "Reading what it contains…",
  "bim.childrenEmpty": "Contains nothing.",
  "bim.childrenFailed": "Could not read what it contains.",
  "bim.childrenMore": "{count} more not listed.",
  "bim.storeys": "Storeys",
  "bim.allStoreys": "All storeys",
  "bim.allStoreysTitle": "Show every element of the model",
  "bim.storeysLoading": "Reading storeys…",
  "bim.storeysFailed": "Could not read the storeys.",
  "bim.storeysEmpty": "The model has no storeys.",
  "bim.storeysFailedMessage": "Could not read the storeys of layer “{title}”.",
  "bim.storeyElevation": "elevation {elevation}",
  "bim.isolateTitle": "Show only storey “{name}”",
  "bim.isolateStorey": "Show only this storey",
  "bim.spaces": "Show spaces (IfcSpace)",
  "bim.spacesTitle": "Show or hide room volumes (IfcSpace)",
  "bim.schema": "IFC schema",
  "bim.sourceFile": "Source file",
  "bim.crs": "Coordinate system",
  "bim.georefSource": "Georeferenced by",
  "bim.georefWarnings": "Georeferencing warnings ({count})",
  "bim.georefWarningsTitle": "Georeferencing warnings",
  "bim.notGeoreferenced": "The model gives no georeference",
  "georef.source.map_conversion": "IfcMapConversion",
  "class.ifcwall": "Wall",
  "class.ifcslab": "Slab",
  "class.ifcwindow": "Window",
  "class.ifcdoor": "Door",
  "class.ifcspace": "Space",
  "class.ifccolumn": "Column",
  "class.ifcbeam": "Beam",
  "class.ifcstair": "Stair",
  "class.ifcstairflight": "Stair flight",
  "class.ifcroof": "Roof",
  "class.ifcrailing": "Railing",
  "class.ifccurtainwall": "Curtain wall",
  "class.ifcmember": "Member",
  "class.ifcplate": "Plate",
  "class.ifccovering": "Covering",
  "class.ifcfooting": "Footing",
  "class.ifcpile": "Pile",
  "class.ifcramp": "Ramp",
  "class.ifcrampflight": "Ramp flight",
  "class.ifcchimney": "Chimney",
  "class.ifcshadingdevice": "Shading device",
  "class.ifcopeningelement": "Opening",
  "class.ifcbuildingelementproxy": "Building element",
  "class.ifcbuildingelementpart": "Element part",
  "class.ifcelementassembly": "Element assembly",
  "class.ifcfurnishingelement": "Furnishing",
  "class.ifcfurniture": "Furniture",
  "class.ifcflowterminal": "Flow terminal",
  "class.ifcsanitaryterminal": "Sanitary terminal",
  "class.ifclightfixture": "Light fixture",
  "class.ifcreinforcingbar": "Reinforcing bar",
  "class.ifcbuildingstorey": "Storey",
  "class.ifcbuilding": "Building",
  "class.ifcsite": "Site",
  "class.ifcproject": "Project",
  "class.ifczone": "Zone",
  "attr.GlobalId": "GlobalId",
  "attr.class": "Class",
  "attr.predefined_type": "Predefined type",
  "attr.tag": "Tag",
  "attr.description": "Description",
  "attr.storey": "Storey",
  "attr.storey_id": "Storey ID",
  "attr.building": "Building",
  "attr.site": "Site",
  "attr.elevation": "Elevation",
  "attr.materials": "Materials",
  "attr.material": "Material",
  "attr.classification": "Classification",
  "attr.is_external": "External",
  "attr.load_bearing": "Load bearing",
  "attr.fire_rating": "Fire rating",
  "prop.IsExternal": "External",
  "prop.LoadBearing": "Load bearing",
  "prop.FireRating": "Fire rating",
  "prop.Reference": "Reference",
  "prop.Status": "Status",
  "prop.Combustible": "Combustible",
  "prop.ThermalTransmittance": "Thermal transmittance",
  "prop.AcousticRating": "Acoustic rating",
  "prop.Height": "Height",
  "prop.Width": "Width",
  "prop.Length": "Length",
  "prop.Depth": "Depth",
  "prop.Thickness": "Thickness",
  "prop.Perimeter": "Perimeter",
  "prop.NetFloorArea": "Net floor area",
  "prop.GrossFloorArea": "Gross floor area",
  "prop.NetArea": "Net area",
  "prop.GrossArea": "Gross area",
  "prop.NetVolume": "Net volume",
  "prop.GrossVolume": "Gross volume",
  "prop.NetSideArea": "Net side area",
  "prop.GrossSideArea": "Gross side area",
  ...REVIEW_EN,
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

/** IFC class names ending in these read as their base class ("IfcWallStandardCase" → wall). */
const IFC_CLASS_SUFFIXES = ["standardcase", "elementedcase"] as const;

/** The dictionary key of an IFC class's label, any case ("IfcWallStandardCase" → "class.ifcwall"). */
export function ifcClassKey(cls: string): string {
  let base = cls.trim().toLowerCase();
  for (const suffix of IFC_CLASS_SUFFIXES) {
    if (base.length > suffix.length && base.endsWith(suffix)) {
      base = base.slice(0, -suffix.length);
    }
  }
  return `class.${base}`;
}

/**
 * The name of a feature class ("building" → "建筑", "IfcWall" → "墙");
 * classes the dictionary lacks read as they are.
 */
export function translateClass(lang: Lang, cls: string): string {
  return lookup(lang, `class.${cls}`) ?? lookup(lang, ifcClassKey(cls)) ?? cls;
}

/** "墙（IfcWall）" for a class with a label; the bare class name otherwise. */
export function classWithCode(lang: Lang, cls: string): string {
  const label = translateClass(lang, cls);
  return label === cls ? cls : translate(lang, "info.class.code", { label, code: cls });
}

/** How a BIM model was georeferenced ("map_conversion" → "IfcMapConversion 地图转换"); unknown ways read as they are. */
export function translateGeorefSource(lang: Lang, source: string): string {
  return lookup(lang, `georef.source.${source.toLowerCase()}`) ?? source;
}

/** Every key of a language's dictionary (used by tests to compare languages). */
export function keysOf(lang: Lang): string[] {
  return Object.keys(dictionaries[lang]).sort();
}

/** Formats a number the way the language writes it (grouping, up to 3 decimals). */
export function formatNumber(lang: Lang, value: number, maximumFractionDigits = 3): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits }).format(value);
}
