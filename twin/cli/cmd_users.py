"""``twin users add|passwd|disable|enable|list``: local users of the scene server.

Passwords are asked at a prompt (twice, not echoed) unless ``--password`` is given;
``--password-stdin`` reads one line from standard input (for scripts). Every change
is written to the audit log as ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from storage.auth.audit import AuditLog
from storage.auth.users import UserStore
from storage.factory import open_catalog
from twin.errors import InvalidInputError
from twin.settings import ROLES, Settings


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="local users of the scene server (argon2 passwords)")
    ops = p.add_subparsers(dest="op", required=True, metavar="OP")
    add = ops.add_parser("add", help="create a user")
    add.add_argument("name")
    add.add_argument(
        "--role", action="append", required=True, choices=ROLES, help="a role (repeatable)"
    )
    add.add_argument("--department", help="the department the user speaks for")
    _password_args(add)
    add.set_defaults(handler=run_users)
    passwd = ops.add_parser("passwd", help="set a user's password (ends their sessions)")
    passwd.add_argument("name")
    _password_args(passwd)
    passwd.set_defaults(handler=run_users)
    for op, text in (("disable", "disable a user (ends their sessions)"), ("enable", "enable")):
        q = ops.add_parser(op, help=text)
        q.add_argument("name")
        q.set_defaults(handler=run_users)
    ls = ops.add_parser("list", help="list users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=run_users)


def _password_args(p: argparse.ArgumentParser) -> None:
    given = p.add_mutually_exclusive_group()
    given.add_argument("--password", help="the password (else asked at a prompt)")
    given.add_argument("--password-stdin", action="store_true", help="read it from stdin")


def read_password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return str(args.password)
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInputError("no terminal to ask for a password: pass --password-stdin")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise InvalidInputError("the two passwords differ")
    return first


def run_users(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    try:
        catalog.migrate()
        users = UserStore(catalog)
        actor = f"cli:{_login()}"
        if args.op == "list":
            return _list(users, args.json)
        if args.op == "add":
            user = users.add(args.name, read_password(args), tuple(args.role), args.department)
            print(f"user {user.name} added with roles {', '.join(user.roles)}")
            detail: dict[str, Any] = {"roles": list(user.roles), "department": user.department}
        elif args.op == "passwd":
            users.set_password(args.name, read_password(args))
            print(f"password of {args.name} changed; their sessions are ended")
            detail = {}
        else:
            users.set_disabled(args.name, args.op == "disable")
            print(f"user {args.name} {args.op}d")
            detail = {}
        AuditLog(catalog).append(
            actor=actor, action=f"cli: users {args.op}", target=args.name, ip="cli", detail=detail
        )
        return 0
    finally:
        catalog.close()


def _list(users: UserStore, as_json: bool) -> int:
    found = users.list()
    if as_json:
        rows = [
            {
                "name": u.name,
                "roles": list(u.roles),
                "department": u.department,
                "disabled": u.disabled,
            }
            for u in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for u in found:
        flag = " (disabled)" if u.disabled else ""
        dept = f" [{u.department}]" if u.department else ""
        print(f"{u.name}{dept}: {', '.join(u.roles)}{flag}")
    if not found:
        print("no users: add the first admin with `twin users add NAME --role admin`")
    return 0


def _login() -> str:
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER", "unknown")
