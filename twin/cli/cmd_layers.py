"""``twin layers [--json]``, and who may read, update or publish a layer:

``twin layers grant LAYER --right read|update|publish (--role R | --user U | --department D)``,
``twin layers revoke LAYER ...`` (the same options; ``--all`` revokes every grant) and
``twin layers permissions LAYER [--json]``. A layer with a read grant is restricted: only
admins and the grants' holders read it; update and publish grants alone delegate writes.
Every change is audited as ``cli:<login>``; ``twin layers delete LAYER --yes`` needs the
publish right like an ingest.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from storage.auth.permissions import PermissionStore
from storage.factory import open_catalog
from twin.auth.permissions import DEFAULT_WRITERS, RIGHTS, Grant, LayerPolicy, make_grant
from twin.cli.write_audit import cli_actor, record
from twin.domain import LayerRecord
from twin.errors import InvalidInputError, NotFoundError
from twin.settings import ROLES, Settings


def register(sub: Any) -> None:
    p = sub.add_parser("layers", help="list layers; grant, revoke and list their permissions")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=run)
    ops = p.add_subparsers(dest="layers_op", metavar="OP")
    for op, text in (("grant", "give a right on a layer"), ("revoke", "take a right back")):
        q = ops.add_parser(op, help=text)
        q.add_argument("layer")
        q.add_argument("--right", choices=RIGHTS, required=op == "grant")
        who = q.add_mutually_exclusive_group(required=op == "grant")
        who.add_argument("--role", choices=ROLES)
        who.add_argument("--user")
        who.add_argument("--department")
        if op == "revoke":
            who.add_argument("--all", action="store_true", help="every grant: open the layer")
        q.set_defaults(handler=run_permissions)
    drop = ops.add_parser("delete", help="delete a layer: its catalog rows, search labels, tiles")
    drop.add_argument("layer")
    drop.add_argument("--yes", action="store_true", help="really delete it")
    drop.set_defaults(handler=run_delete)
    show = ops.add_parser("permissions", help="who may read, update and publish a layer")
    show.add_argument("layer")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_permissions)


def layer_json(layer: LayerRecord) -> dict[str, Any]:
    return {
        "id": layer.id,
        "kind": layer.kind,
        "title": layer.title,
        "crs": layer.crs,
        "version": layer.version,
        "feature_count": layer.feature_count,
        "bbox": list(layer.bbox) if layer.bbox else None,
        "zmin": layer.zmin,
        "zmax": layer.zmax,
        "tileset": layer.tileset_key,
        "attribute_schema": dict(layer.attribute_schema),
        "updated_at": layer.updated_at.isoformat() if layer.updated_at else None,
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        layers = catalog.list_layers()
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([layer_json(x) for x in layers], ensure_ascii=False, indent=1))
        return 0
    if not layers:
        print("no layers")
    for x in layers:
        bbox = ", ".join(f"{v:.5f}" for v in x.bbox) if x.bbox else "-"
        print(f"{x.id:20} {x.kind:10} v{x.version or 0:<4} {x.feature_count:>9} features  [{bbox}]")
    return 0


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    """Delete a layer (its grants stay: a layer re-created under the name stays restricted).
    The publish right and the audit entry are ``write_audit``'s, as for an ingest."""
    from storage.factory import open_object_store
    from storage.search.store import SearchStore
    from twin.naming import layer_prefix

    if not args.yes:
        raise InvalidInputError(f"deleting layer {args.layer!r} cannot be undone: add --yes")
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        catalog.get_layer(args.layer)  # LayerNotFoundError: nothing to delete
        catalog.delete_layer(args.layer)  # no longer served from here on
        SearchStore(catalog).drop_other_versions(args.layer, None)
    finally:
        catalog.close()
    removed = open_object_store(settings).delete_prefix(layer_prefix(args.layer))
    print(f"layer {args.layer} deleted ({removed} objects)")
    return 0


def _grant_of(args: argparse.Namespace) -> Grant:
    for kind in ("role", "user", "department"):
        value = getattr(args, kind, None)
        if value is not None:
            if args.right is None:
                raise InvalidInputError("--right is needed")
            return make_grant(args.right, kind, value)
    raise InvalidInputError("name one of --role, --user or --department (or --all to revoke)")


def run_permissions(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        store = PermissionStore(catalog)
        if args.layers_op == "permissions":
            return _show(store, args.layer, args.json)
        before = [s.grant.to_dict() for s in store.of_layer(args.layer)]
        if args.layers_op == "grant":
            grant = _grant_of(args)
            changed = store.grant(args.layer, grant, by=cli_actor())
            print(f"{args.layer}: {_text(grant)} {'granted' if changed else 'was granted already'}")
        elif getattr(args, "all", False):
            n = store.clear(args.layer)
            print(f"{args.layer}: {n} grants revoked; the layer is open to every reader")
        else:
            grant = _grant_of(args)
            if not store.revoke(args.layer, grant):
                raise NotFoundError(f"layer {args.layer!r} has no grant {_text(grant)}")
            print(f"{args.layer}: {_text(grant)} revoked")
        after = [s.grant.to_dict() for s in store.of_layer(args.layer)]
    finally:
        catalog.close()
    what = "clear" if getattr(args, "all", False) else args.layers_op
    record(
        settings,
        action=f"cli: layers {what}",
        target=args.layer,
        status=200,
        as_user=getattr(args, "as_user", None),
        detail={"before": before, "after": after},
    )
    return 0


def _text(grant: Grant) -> str:
    return f"{grant.right} for {grant.kind} {grant.subject}"


def _show(store: PermissionStore, layer: str, as_json: bool) -> int:
    stored = store.of_layer(layer)
    if as_json:
        restricted = LayerPolicy(frozenset(s.grant for s in stored)).restricted
        out = {"layer": layer, "restricted": restricted, "grants": [s.to_dict() for s in stored]}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    writers = ", ".join(sorted(DEFAULT_WRITERS | {"admin"}))
    if not LayerPolicy(frozenset(s.grant for s in stored)).restricted:
        print(f"{layer}: open (every reader reads it; {writers} and these grants write it)")
        for s in stored:
            print(f"  {_text(s.grant):40} by {s.granted_by} at {s.granted_at}")
        return 0
    print(
        f"{layer}: restricted (admins and these grants read it; {writers} write it if they read it)"
    )
    for s in stored:
        print(f"  {_text(s.grant):40} by {s.granted_by} at {s.granted_at}")
    return 0
