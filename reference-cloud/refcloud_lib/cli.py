"""Command line of `reference-cloud/refcloud`."""
from __future__ import annotations

import argparse
import signal

from .paths import Layout, layout
from .report import RefcloudError


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(
        prog="refcloud",
        description="Genuine OpenStack services on 127.0.0.1 for os-interop "
                    "(state: $REFCLOUD_HOME/state).")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    install = sub.add_parser("install", help="Debian packages + venv with pinned services")
    install.add_argument("--relock", action="store_true",
                         help="ignore requirements-lock.txt and rewrite it after installing")
    up = sub.add_parser("up", help="start the cloud and/or switch its configuration")
    up.add_argument("--config", help="configuration name (configs/NAME.yaml); "
                    "default: the active one, else upstream")
    up.add_argument("--fresh", action="store_true",
                    help="re-apply the configuration even if active (a new, empty member project)")
    sub.add_parser("down", help="stop every process refcloud started")
    sub.add_parser("status", help="per service: pid, state, RSS (exit 3 if any is down)")
    logs = sub.add_parser("logs", help="list log files, or show the tail of a service's logs")
    logs.add_argument("service", nargs="?")
    logs.add_argument("-n", "--lines", type=int, default=40)
    config = sub.add_parser("config", help="print the active (or named) configuration")
    config.add_argument("name", nargs="?")
    sub.add_parser("configs", help="list the configurations")
    check = sub.add_parser("check", help="prove the active configuration's expected "
                           "observations and profile against the running cloud")
    check.add_argument("--config", help="must name the active configuration (default: it)")
    sub.add_parser("clouds-yaml", help="print the path of the clouds.yaml")
    sub.add_parser("reset", help="down, then delete the state directory (keeps the venv)")
    return top


MUTATING = {"install", "up", "down", "reset", "check"}


def dispatch(args: argparse.Namespace) -> int:
    """Check the install, take the lock if needed, run the subcommand."""
    lay = layout()
    if args.command != "install" and not lay.python.exists():
        raise RefcloudError(f"not installed ({lay.venv} missing): run `refcloud install` first")
    if args.command in MUTATING:
        from .lock import exclusive
        with exclusive(lay):
            return run_command(lay, args)
    return run_command(lay, args)


def run_command(lay: Layout, args: argparse.Namespace) -> int:
    """Carry out one subcommand; its return value is the exit status."""
    if args.command == "install":
        from .install import install
        install(lay, args.relock)
    elif args.command == "up":
        from .lifecycle import up
        up(lay, args.config, args.fresh)
    elif args.command == "down":
        from .lifecycle import down
        down(lay)
    elif args.command == "reset":
        from .lifecycle import reset
        reset(lay)
    elif args.command == "status":
        from .statusview import status
        return status(lay)
    elif args.command == "logs":
        from .statusview import logs
        logs(lay, args.service, args.lines)
    elif args.command == "config":
        from .statusview import show_config
        show_config(lay, args.name)
    elif args.command == "check":
        from .check import check
        return check(lay, args.config)
    elif args.command == "configs":
        from .cloudconfig import available
        print("\n".join(available()))
    elif args.command == "clouds-yaml":
        if not lay.clouds_yaml.exists():
            raise RefcloudError(f"{lay.clouds_yaml} does not exist yet: run `refcloud up`")
        print(lay.clouds_yaml)
    return 0


def main(argv: list[str]) -> int:
    """Entry point: exit status, expected failures as one message."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `refcloud logs | head` ends quietly
    args = parser().parse_args(argv)
    try:
        return dispatch(args)
    except RefcloudError as error:
        print(error.describe(), flush=True)
        return 1
    except KeyboardInterrupt:
        print("refcloud: interrupted", flush=True)
        return 130
    except Exception as error:  # an API of the cloud failed: say which, without a traceback
        if not type(error).__module__.startswith(("openstack", "keystoneauth1")):
            raise
        print(f"refcloud: error: the cloud's API failed: {type(error).__name__}: {error}\n"
              "  `refcloud status` shows which service is down; `refcloud logs SERVICE` why",
              flush=True)
        return 1
