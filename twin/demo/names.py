"""Chinese vocabulary of the demo city: districts, communities, place names, uses.

Place and community names are those of real neighbourhoods of Futian and Luohu
so the demo reads naturally; the buildings themselves are invented.
"""

from __future__ import annotations

from typing import Final

FUTIAN: Final = "福田区"
LUOHU: Final = "罗湖区"

RESIDENTIAL: Final = "住宅"
COMMERCIAL: Final = "商业"
OFFICE: Final = "办公"
EDUCATION: Final = "教育"
MEDICAL: Final = "医疗"
INDUSTRIAL: Final = "工业"
VILLAGE: Final = "城中村"
PUBLIC: Final = "公共服务"

USES: Final = (RESIDENTIAL, COMMERCIAL, OFFICE, EDUCATION, MEDICAL, INDUSTRIAL, VILLAGE, PUBLIC)

#: storey height in metres of each use (height = floors x storey height, +- noise)
STOREY_HEIGHT: Final = {
    RESIDENTIAL: 3.0,
    COMMERCIAL: 4.5,
    OFFICE: 4.0,
    EDUCATION: 3.9,
    MEDICAL: 4.2,
    INDUSTRIAL: 6.0,
    VILLAGE: 3.0,
    PUBLIC: 4.0,
}

NOT_INCLUDED: Final = "未纳入"
APPROVED: Final = "已立项"
IN_PROGRESS: Final = "实施中"
COMPLETED: Final = "已完成"
RENEWAL_STATES: Final = (NOT_INCLUDED, APPROVED, IN_PROGRESS, COMPLETED)

COMMUNITIES: Final = {
    FUTIAN: (
        "华富社区",
        "莲花北社区",
        "景田社区",
        "香蜜社区",
        "园岭社区",
        "梅林社区",
        "彩田社区",
        "皇岗社区",
        "岗厦社区",
        "福中社区",
        "新洲社区",
        "上沙社区",
        "福华社区",
        "华强社区",
    ),
    LUOHU: ("东门社区", "翠竹社区", "黄贝岭社区", "笋岗社区", "桂园社区", "湖贝社区"),
}

PLACES: Final = {
    FUTIAN: (
        "华富",
        "莲花",
        "景田",
        "香蜜",
        "园岭",
        "梅林",
        "彩田",
        "皇岗",
        "益田",
        "新洲",
        "福华",
        "岗厦",
        "上沙",
        "沙头",
        "石厦",
        "车公庙",
        "华强",
        "振华",
        "上步",
        "福民",
    ),
    LUOHU: ("东门", "翠竹", "黄贝", "笋岗", "桂园", "湖贝", "人民", "南湖", "东晓", "水贝", "田贝"),
}

ESTATE_SUFFIXES: Final = ("花园", "家园", "名苑", "雅苑", "新村", "华庭", "公馆", "豪园")
OFFICE_SUFFIXES: Final = ("大厦", "国际大厦", "金融中心", "科技大厦", "商务中心")
MALL_SUFFIXES: Final = ("广场", "购物中心", "商业城", "天地")
SCHOOL_SUFFIXES: Final = ("小学", "中学", "实验学校", "外国语学校")
HOSPITAL_SUFFIXES: Final = ("医院", "人民医院", "中医院", "妇幼保健院")
PUBLIC_SUFFIXES: Final = ("社区服务中心", "图书馆", "文化馆", "派出所", "消防站", "体育中心")
LANE_NAMES: Final = ("东一坊", "东二坊", "西一坊", "西二坊", "南坊", "北坊", "新村巷", "中心巷")
TOWER_LETTERS: Final = ("A座", "B座", "C座")
