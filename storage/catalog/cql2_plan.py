"""Check a parsed CQL2 filter against a layer's schema into a frozen expression tree.

The tree names only fields that exist (``fields.resolve_field``; ``parent`` is an
alias of ``parent_id`` unless the layer has an attribute of that name), holds
values already converted to the field's type, and only the forms both catalog
backends compile (``cql2_sqlite``, ``cql2_postgis``):

* comparisons of a property with a literal (``=  <>  <  <=  >  >=``; order
  comparisons not on booleans), ``LIKE`` on strings (``%`` any run, ``_`` one
  character, ``\\`` escapes; case-sensitive), ``IN``, ``BETWEEN``, ``IS NULL``;
* ``AND``, ``OR``, ``NOT``, ``INCLUDE``/``EXCLUDE``;
* spatial predicates of the ``geometry`` property (the 2D footprint, lon/lat)
  with a literal geometry (WKT, GeoJSON, ``BBOX``/``ENVELOPE``);
* ``T_BEFORE``/``T_AFTER``/``T_DURING``/``T_EQUALS`` of a string property holding
  ISO 8601 dates or timestamps (see ``cql2_temporal``).

Anything else (arithmetic, functions, two properties compared) is refused with
an ``InvalidFilterError`` naming the problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape

from storage.catalog.cql2_parse import InvalidFilterError, ast, parse_filter, values
from storage.catalog.cql2_temporal import TEMPORAL_NODES, Temporal, plan_temporal
from storage.catalog.fields import FieldRef, resolve_field, shown
from twin.domain import AttributeType, BBox, Cql2Filter
from twin.errors import InvalidQueryError

MAX_IN_VALUES = 1_000
MAX_NODES = 2_000
GEOMETRY_PROPERTY = "geometry"

Scalar = str | float | bool
SpatialOp = Literal[
    "intersects", "within", "contains", "disjoint", "equals", "touches", "crosses", "overlaps"
]
ComparisonOp = Literal["=", "<>", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Compare:
    field: FieldRef
    op: ComparisonOp
    value: Scalar


@dataclass(frozen=True)
class Like:
    field: FieldRef
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True)
class Between:
    field: FieldRef
    low: Scalar
    high: Scalar
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    field: FieldRef
    negated: bool = False


@dataclass(frozen=True)
class Spatial:
    """``op(footprint, geometry)``; ``wkb`` is the 2D literal geometry in lon/lat."""

    op: SpatialOp
    wkb: bytes
    bounds: BBox


@dataclass(frozen=True)
class Constant:
    value: bool


@dataclass(frozen=True)
class And:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    part: Expr


Expr = Compare | Like | InList | Between | IsNull | Spatial | Temporal | Constant | And | Or | Not

_COMPARISONS: Mapping[type, ComparisonOp] = {
    ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
    ast.GreaterThan: ">", ast.GreaterEqual: ">=",
}  # fmt: skip
_FLIPPED: Mapping[ComparisonOp, ComparisonOp] = {
    "=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<=",
}  # fmt: skip
_SPATIAL: Mapping[type, SpatialOp] = {
    ast.GeometryIntersects: "intersects", ast.GeometryWithin: "within",
    ast.GeometryContains: "contains", ast.GeometryDisjoint: "disjoint",
    ast.GeometryEquals: "equals", ast.GeometryTouches: "touches",
    ast.GeometryCrosses: "crosses", ast.GeometryOverlaps: "overlaps",
}  # fmt: skip
_SPATIAL_FLIPPED: Mapping[SpatialOp, SpatialOp] = {"within": "contains", "contains": "within"}
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mul, ast.Div)


def plan_cql2(source: Cql2Filter, schema: Mapping[str, AttributeType]) -> Expr:
    """Parse and check ``source`` for a layer with ``schema``; raise ``InvalidFilterError``."""
    node = parse_filter(source.text, source.lang)
    return _Planner(schema).expr(node)


def expression_window(expr: Expr) -> BBox | None:
    """A box every match's footprint must meet: from spatial predicates ANDed at the top."""
    parts = expr.parts if isinstance(expr, And) else (expr,)
    boxes = [p.bounds for p in parts if isinstance(p, Spatial) and p.op != "disjoint"]
    boxes += [b for p in parts if isinstance(p, And) for b in [expression_window(p)] if b]
    if not boxes:
        return None
    return (
        max(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        min(b[3] for b in boxes),
    )


class _Planner:
    def __init__(self, schema: Mapping[str, AttributeType]) -> None:
        self._schema = schema
        self._nodes = 0

    def expr(self, node: Any) -> Expr:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise InvalidFilterError(f"the filter has more than {MAX_NODES} terms")
        if isinstance(node, ast.And | ast.Or):
            kind = And if isinstance(node, ast.And) else Or
            parts: list[Expr] = []
            for child in (node.lhs, node.rhs):
                planned = self.expr(child)
                parts.extend(planned.parts if isinstance(planned, kind) else (planned,))
            return kind(tuple(parts))
        if isinstance(node, ast.Not):
            return Not(self.expr(node.sub_node))
        if isinstance(node, ast.Include):
            return Constant(not node.not_)
        if type(node) in _COMPARISONS:
            return self._compare(node, _COMPARISONS[type(node)])
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In):
            return self._in(node)
        if isinstance(node, ast.Between):
            field = self.field(node.lhs, "BETWEEN")
            _require_order(field, "BETWEEN")
            low, high = self.scalar(field, node.low), self.scalar(field, node.high)
            return Between(field, low, high, bool(node.not_))
        if isinstance(node, ast.IsNull):
            return IsNull(self.field(node.lhs, "IS NULL"), bool(node.not_))
        if type(node) in _SPATIAL:
            return self._spatial(node, _SPATIAL[type(node)])
        if isinstance(node, ast.BBox):
            self._geometry_property(node.lhs, "BBOX")
            box = _box([node.minx, node.miny, node.maxx, node.maxy])
            return _spatial("intersects", box)
        if type(node) in TEMPORAL_NODES:
            return plan_temporal(node, self.field(node.lhs, TEMPORAL_NODES[type(node)]))
        raise InvalidFilterError(f"{_describe(node)} is not supported in a filter")

    def field(self, node: Any, what: str) -> FieldRef:
        if isinstance(node, _ARITHMETIC):
            raise InvalidFilterError(f"arithmetic is not supported (in {what})")
        if not isinstance(node, ast.Attribute):
            raise InvalidFilterError(f"{what} needs a property on its left, not {_describe(node)}")
        name = str(node.name)
        if name == "parent" and name not in self._schema:
            name = "parent_id"
        if name == GEOMETRY_PROPERTY and name not in self._schema:
            raise InvalidFilterError(f"{what} does not apply to the geometry; use S_INTERSECTS")
        try:
            return resolve_field(name, self._schema)
        except InvalidQueryError:
            message = f"unknown property {shown(name)}"
            raise InvalidFilterError(message, property=name[:64]) from None

    def scalar(self, field: FieldRef, node: Any) -> Scalar:
        if isinstance(node, ast.Attribute):
            raise InvalidFilterError(
                f"comparing property {shown(field.name)} with another property is not supported"
            )
        if isinstance(node, _ARITHMETIC):
            raise InvalidFilterError("arithmetic is not supported")
        return convert(field, node)

    def _compare(self, node: Any, op: ComparisonOp) -> Compare:
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs, op = rhs, lhs, _FLIPPED[op]
        field = self.field(lhs, f"the comparison {op!r}")
        if op not in ("=", "<>"):
            _require_order(field, f"the comparison {op!r}")
        return Compare(field, op, self.scalar(field, rhs))

    def _like(self, node: Any) -> Like:
        field = self.field(node.lhs, "LIKE")
        if field.type != "string":
            raise InvalidFilterError(f"LIKE needs a string property; {shown(field.name)} is not")
        pattern = node.pattern
        if not isinstance(pattern, str):
            raise InvalidFilterError("the pattern of LIKE must be a string")
        if _ends_in_lone_escape(pattern):
            raise InvalidFilterError("the pattern of LIKE ends with a lone escape '\\'")
        return Like(field, pattern, bool(node.not_))

    def _in(self, node: Any) -> InList:
        field = self.field(node.lhs, "IN")
        items = list(node.sub_nodes)
        if not items:
            raise InvalidFilterError("IN needs at least one value")
        if len(items) > MAX_IN_VALUES:
            raise InvalidFilterError(f"IN takes at most {MAX_IN_VALUES} values")
        return InList(field, tuple(self.scalar(field, v) for v in items), bool(node.not_))

    def _spatial(self, node: Any, op: SpatialOp) -> Spatial:
        lhs, rhs = node.lhs, node.rhs
        if not _is_geometry_property(lhs) and _is_geometry_property(rhs):
            lhs, rhs, op = rhs, lhs, _SPATIAL_FLIPPED.get(op, op)
        self._geometry_property(lhs, f"S_{op.upper()}")
        return _spatial(op, _geometry(rhs))

    def _geometry_property(self, node: Any, what: str) -> None:
        if not _is_geometry_property(node):
            raise InvalidFilterError(f"{what} needs the property {GEOMETRY_PROPERTY!r}")


def convert(field: FieldRef, value: Any) -> Scalar:
    """A literal checked against (and converted to) the type of ``field``."""
    kind = field.type
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("integer", "number") and number and math.isfinite(float(value)):
        return float(value)
    raise InvalidFilterError(
        f"property {shown(field.name)} is a {kind}; {_describe(value)} is not",
        property=field.name[:64],
    )


def _require_order(field: FieldRef, what: str) -> None:
    if field.type == "boolean":
        raise InvalidFilterError(f"{what} does not apply to boolean property {shown(field.name)}")


def _is_geometry_property(node: Any) -> bool:
    return isinstance(node, ast.Attribute) and node.name == GEOMETRY_PROPERTY


def _geometry(node: Any) -> shapely.Geometry:
    if isinstance(node, values.Geometry):
        try:
            geom = shape(node.geometry)
        except (GEOSException, ValueError, TypeError, KeyError, IndexError, AttributeError):
            raise InvalidFilterError("the geometry of the filter is not valid") from None
        return geom
    if isinstance(node, values.Envelope):
        return _box([node.x1, node.y1, node.x2, node.y2])
    if isinstance(node, ast.Function) and node.name.lower() == "bbox":
        return _box(list(node.arguments))
    raise InvalidFilterError(f"a spatial predicate needs a geometry literal, not {_describe(node)}")


def _box(numbers: list[Any]) -> shapely.Geometry:
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    ok = len(numbers) == 4 and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in numbers
    )
    if not ok:
        raise InvalidFilterError("BBOX needs four finite numbers: west, south, east, north")
    w, s, e, n = (float(v) for v in numbers)
    if w > e or s > n:
        raise InvalidFilterError("BBOX needs west <= east and south <= north")
    return shapely.box(w, s, e, n)


def _spatial(op: SpatialOp, geom: shapely.Geometry) -> Spatial:
    geom = shapely.force_2d(geom)
    if shapely.is_empty(geom):
        raise InvalidFilterError("the geometry of the filter is empty")
    bounds = tuple(float(v) for v in shapely.bounds(geom))
    if not all(math.isfinite(v) for v in bounds):
        raise InvalidFilterError("the geometry of the filter has non-finite coordinates")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        raise InvalidFilterError(f"the geometry of the filter is not valid: {reason[:100]}")
    w, s, e, n = bounds
    return Spatial(op, bytes(shapely.to_wkb(geom, output_dimension=2)), (w, s, e, n))


def _ends_in_lone_escape(pattern: str) -> bool:
    run = len(pattern) - len(pattern.rstrip("\\"))
    return run % 2 == 1


def _describe(node: Any) -> str:
    if isinstance(node, ast.Function):
        return f"the function {node.name!r}"
    if isinstance(node, ast.Attribute):
        return f"the property {shown(str(node.name))}"
    if isinstance(node, ast.Node):
        return f"the operator {type(node).__name__}"
    if isinstance(node, bool):
        return f"the boolean {str(node).lower()}"
    if isinstance(node, int | float):
        return f"the number {node}"
    if isinstance(node, str):
        return f"the string {shown(node)}"
    return f"a {type(node).__name__} value"
