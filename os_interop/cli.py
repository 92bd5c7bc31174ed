"""The os-interop command: run, demo, capabilities, report, profile, cleanup.

Every user mistake becomes one line on stderr and exit 2 (errors.UserError); anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from os_interop import __version__, capabilities
from os_interop.capabilities import GROUPS
from os_interop.errors import UserError


def _run(args: argparse.Namespace) -> int:
    from os_interop import targets   # imported on use: --help stays fast
    from os_interop.runner import RunRequest, run
    for group in args.group:
        if group not in GROUPS:
            raise UserError(f"unknown group {group!r}; groups: {', '.join(GROUPS)}")
    capabilities.load()    # a broken capability file is reported before anything runs
    names = targets.resolve_names(args.cloud, args.all_clouds)
    targets.check(names)   # every entry complete, before any cloud is touched
    outcome = run(RunRequest(clouds=names, out=Path(args.out), groups=args.group,
                             keyword=args.k, read_only=args.read_only, workers=args.n,
                             junitxml=args.junitxml))
    for error in outcome.cloud_errors:
        print(f"os-interop: {error}", file=sys.stderr)
    for doc in outcome.documents:
        print(f"results: {Path(args.out) / doc['cloud']['name'] / 'results.json'}")
    return outcome.exit_code


def _demo(args: argparse.Namespace) -> int:
    from os_interop.demo import demo
    return demo(Path(args.out), args.personality, args.n)


def _capabilities(args: argparse.Namespace) -> int:
    from tabulate import tabulate
    registry = capabilities.load()
    if args.format == "json":
        print(json.dumps({"digest": registry.digest, "capabilities": [
            {"id": c.id, "group": c.group, "title": c.title, "status": c.status, "cost": c.cost,
             "observes": list(c.observes), "interoperable": c.interoperable, "tests": list(c.tests)}
            for c in registry.capabilities]}, indent=2))
    else:
        print(tabulate([[c.group, c.id, c.status, c.cost, c.title] for c in registry.capabilities],
                       headers=["group", "capability", "status", "cost", "title"]))
    return 0


def _write(text: str, output: str | None) -> None:
    if output:
        from os_interop import atomic
        atomic.write_text(Path(output), text if text.endswith("\n") else text + "\n")
        print(f"wrote {output}")
    else:
        print(text)


def _report(args: argparse.Namespace) -> int:
    from os_interop import results   # imported on use: --help stays fast
    from reporters import matrix
    if args.compare:
        from reporters import compare
        if args.paths or args.format not in compare.FORMATS:
            raise UserError("--compare OLD NEW takes no other results and --format text, markdown "
                            "or json; drop the extra DIR arguments or the --format")
        old, new = ([results.load(p) for p in results.find([side])] for side in args.compare)
        _write(compare.render(compare.build(old, new), args.format), args.output)
        return 0
    if not args.paths:
        raise UserError("pass results directories or results.json files (or --compare OLD NEW)")
    found = results.find(args.paths)
    documents = [results.load(p) for p in found]
    if args.format == "html":
        from reporters import html
        text = html.render(matrix.build(documents), [html.Evidence.beside(p) for p in found])
    elif args.format == "junit":
        from reporters import junit
        text = junit.render(documents)
    else:
        text = matrix.render(matrix.build(documents), args.format)
    _write(text, args.output)
    return 0


def _profile(args: argparse.Namespace) -> int:
    from os_interop import results   # imported on use: --help stays fast
    from reporters import profile
    document = results.load(args.results)
    emitted = (profile.well_known if args.well_known else profile.build)(document, args.name)
    if args.diff:
        print(profile.render_diff(profile.diff(emitted, profile.load_published(args.diff))))
        return 0
    _write(json.dumps(emitted, indent=2, sort_keys=True), args.output)
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    from os_interop.cleanup import clean
    return clean(args.cloud, Path(args.out), args.run, args.dry_run)


def workers(text: str) -> int:
    """-n: a whole number of parallel workers; 0 (as in pytest-xdist) runs in this process."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"needs a whole number of workers (0 runs in this process), not {text!r}")
    return value


class OneLineParser(argparse.ArgumentParser):
    """argparse prints the usage block before its error; a user error here is one line."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"os-interop: error: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="os-interop", description=(
        "OpenStack interoperability conformance: probe clouds for the quirks a multi-cloud "
        "client must know, with evidence; report divergences; emit openstacksdk vendor profiles."))
    p.add_argument("--version", action="version", version=f"os-interop {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="probe clouds from clouds.yaml and write results")
    r.add_argument("--cloud", action="append", default=[], metavar="NAME",
                   help="cloud in clouds.yaml (repeatable; default $OS_CLOUD)")
    r.add_argument("--all-clouds", action="store_true", help="every cloud in clouds.yaml")
    r.add_argument("--out", default="osi-results", metavar="DIR", help="results directory (default: osi-results)")
    r.add_argument("--group", action="append", default=[], metavar="G", help=f"only these pain points: {', '.join(GROUPS)}")
    r.add_argument("-k", metavar="EXPR", help="pytest -k expression over probe names")
    r.add_argument("--read-only", action="store_true", help="only probes that create nothing")
    r.add_argument("-n", type=workers, metavar="WORKERS", help="parallel workers (default: one per cloud, at most 4; 0: in this process)")
    r.add_argument("--junitxml", metavar="PATH", help="also write a JUnit XML report")
    r.set_defaults(func=_run)

    d = sub.add_parser("demo", help="run the suite against the built-in simulated vendor fleet")
    d.add_argument("--out", default="osi-demo", metavar="DIR", help="where results, report and profiles go")
    d.add_argument("--personality", action="append", default=[], metavar="NAME",
                   help="only these shipped personalities (default: all)")
    d.add_argument("-n", type=workers, metavar="WORKERS", help="parallel workers (default 4)")
    d.set_defaults(func=_demo)

    c = sub.add_parser("capabilities", help="list the capability definitions")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.set_defaults(func=_capabilities)

    rep = sub.add_parser("report", help="divergence matrix across clouds, or what changed between two runs")
    rep.add_argument("paths", nargs="*", metavar="DIR", help="results directories or results.json files")
    rep.add_argument("--format", choices=("text", "markdown", "json", "html", "junit"), default="text",
                     help="html: one self-contained file with each cell's evidence; junit: one testcase per cloud x capability")
    rep.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"),
                     help="what changed on each cloud from run OLD to run NEW (text, markdown or json)")
    rep.add_argument("-o", "--output", metavar="FILE")
    rep.set_defaults(func=_report)

    pr = sub.add_parser("profile", help="openstacksdk vendor profile from a results file")
    pr.add_argument("results", metavar="RESULTS.json")
    pr.add_argument("--name", help="profile name (default: the cloud's name)")
    pr.add_argument("--well-known", action="store_true", help="the document for /.well-known/openstack/api")
    pr.add_argument("--diff", metavar="PUBLISHED.json", help="compare with a published profile, key by key")
    pr.add_argument("-o", "--output", metavar="FILE")
    pr.set_defaults(func=_profile)

    cl = sub.add_parser("cleanup", help="delete what an interrupted run left behind (journal-proven only)")
    cl.add_argument("--cloud", required=True, metavar="NAME")
    cl.add_argument("--run", metavar="ID", help="only this run id (default: every run in the journals)")
    cl.add_argument("--out", default="osi-results", metavar="DIR", help="results directory holding the journals")
    cl.add_argument("--dry-run", action="store_true", help="look the resources up and list them; delete nothing")
    cl.set_defaults(func=_cleanup)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"os-interop: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("os-interop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:      # `os-interop report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
