"""The os-interop command: run, demo, capabilities, report, profile, cleanup, prove,
guidelines, bundle, verify.

Every user mistake becomes one line on stderr and exit 2 (errors.UserError); anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import sys
import threading
from pathlib import Path

from os_interop import __version__, capabilities, stdout_guard
from os_interop.capabilities import GROUPS
from os_interop.errors import UserError


def _run(args: argparse.Namespace) -> int:
    from os_interop import targets   # imported on use: --help stays fast
    from os_interop.runner import RunRequest, run
    for group in args.group:
        if group not in GROUPS:
            raise UserError(f"unknown group {group!r}; groups: {', '.join(GROUPS)}")
    capabilities.load()    # a broken capability file is reported before anything runs
    from os_interop import guidelines
    guideline = guidelines.select(args.guideline).id   # an unknown id: exit 2 before any cloud
    # every (cloud, region), each entry checked complete, before any cloud is touched
    found = targets.resolve(args.cloud, args.all_clouds, args.region)
    if args.shard:
        from os_interop import shards
        found = shards.pick(found, *args.shard)
        if not found:
            print(f"os-interop run: shard {args.shard[0]}/{args.shard[1]} has no targets; nothing to do")
            return 0
    outcome = run(RunRequest(targets=found, out=Path(args.out), groups=args.group,
                             keyword=args.k, read_only=args.read_only, workers=args.n,
                             junitxml=args.junitxml, guideline=guideline,
                             extra=["-v"] * args.verbose + args.pytest_args))
    for error in outcome.cloud_errors:
        print(f"os-interop: {error}", file=sys.stderr)
    graded = guidelines.select(guideline)
    for doc in outcome.documents:
        print("\n".join(guidelines.grade(doc, graded, _today()).lines()))
        print(f"results: {Path(args.out) / doc['cloud'].get('label', doc['cloud']['name']) / 'results.json'}")
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
        from os_interop import guidelines
        graded = guidelines.select(args.guideline)
        grades = [guidelines.grade(d, graded, _today()) for d in documents]
        text = matrix.render(matrix.build(documents), args.format)
        if args.format == "json":
            text = json.dumps(dict(json.loads(text), grades=[
                {"guideline": g.guideline, "status": g.status, "cloud": g.cloud, "compliant": g.compliant,
                 "failures": list(g.failures), "waived": list(g.waived), "advisory": list(g.warnings)}
                for g in grades]), indent=2)
        else:
            text = text.rstrip("\n") + "\n\n" + "\n".join(line for g in grades for line in g.lines())
    _write(text, args.output)
    return 0


def _today():
    import datetime
    return datetime.date.today()


def _guidelines(args: argparse.Namespace) -> int:
    from tabulate import tabulate
    from os_interop import guidelines
    found = guidelines.load_all()
    chosen = guidelines.default(found, _today())
    print(tabulate([["*" if g is chosen else "", g.id, g.status(_today()), g.draft, g.effective,
                     g.deprecated or "", len(g.required), len(g.advisory), g.title] for g in found],
                   headers=["", "guideline", "status", "draft", "effective", "deprecated",
                            "required", "advisory", "title"]))
    print("* the default for run, report and verify today")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from os_interop.bundle import make
    path = make(Path(args.out_dir), Path(args.output), args.cloud, args.sign)
    print(f"wrote {path}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from os_interop.verify import verify
    return verify(Path(args.file), args.guideline, args.allowed_signers)


def _profile(args: argparse.Namespace) -> int:
    from os_interop import results   # imported on use: --help stays fast
    from reporters import profile
    if sum(map(bool, (args.diff, args.update, args.update_dir))) > 1:
        raise UserError("--diff, --update and --update-dir exclude each other; pass one")
    if args.map and not args.update_dir:
        raise UserError("--map names vendor files for --update-dir; pass --update-dir DIR too")
    documents = [results.load(p) for p in results.find(args.results)]
    if args.diff:
        return _profile_diff(args, documents)
    if args.update or args.update_dir:
        return _profile_update(args, documents)
    emitted = profile.build(documents if len(documents) > 1 else documents[0], args.name)  # regions of one cloud
    _write(json.dumps(emitted, indent=2, sort_keys=True), args.output)
    return 0


def _profile_diff(args: argparse.Namespace, documents: list) -> int:
    """Each run against one published profile (a file or openstacksdk:NAME); 1 on a contradiction."""
    from reporters import profile_diff, sdk_vendors
    path = sdk_vendors.resolve(args.diff)
    published = sdk_vendors.load(path)
    comparisons = [profile_diff.compare(d, published, args.diff if args.diff.startswith(
        sdk_vendors.PREFIX) else str(path)) for d in documents]
    _write(profile_diff.render(comparisons, args.format).rstrip("\n"), args.output)
    return profile_diff.exit_code(comparisons)


def _profile_update(args: argparse.Namespace, documents: list) -> int:
    """Rewrite openstacksdk vendor files with what the runs observed, in the files' own style."""
    from os_interop import atomic
    from reporters import profile_update
    if args.update:
        if args.update.startswith("openstacksdk:"):
            raise UserError(f"--update {args.update}: the installed openstacksdk is never rewritten; "
                            "pass a vendor file of an openstacksdk checkout")
        grouped, skipped = {Path(args.update): documents}, []
    else:
        grouped, skipped = profile_update.plan(documents, Path(args.update_dir),
                                               profile_update.parse_map(args.map))
    rewrites = {path: profile_update.rewrite(path, docs) for path, docs in grouped.items()}
    for path, done in rewrites.items():   # every file checked before any is written
        if done.changes:
            atomic.write_text(path, done.text)
        print(f"{path}: " + ("; ".join(c.line() for c in done.changes) if done.changes else "current"))
        if done.changes and not done.exact_style:
            print(f"{path}: note: its formatting does not round-trip; the diff may touch other lines")
    for line in skipped:
        print(f"skipped {line}")
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    from os_interop.cleanup import clean
    return clean(args.cloud, Path(args.out), args.run, args.dry_run)


def _prove(args: argparse.Namespace) -> int:
    import signal
    from os_interop import prove

    def stop(signum, frame):   # SIGTERM unwinds like Ctrl-C, so the flow's cleanup runs
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, stop)
    return prove.main(args.cloud, args.profile, Path(args.out), args.format, not args.no_single_keys,
                      args.timeout)


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


def shard(text: str) -> tuple[int, int]:
    """--shard K/N: whole numbers with 1 <= K <= N."""
    k, slash, n = text.partition("/")
    if slash and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n):
        return int(k), int(n)
    raise argparse.ArgumentTypeError(f"needs K/N with whole numbers 1 <= K <= N (e.g. 2/4), not {text!r}")


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
    r.add_argument("--region", action="append", default=[], metavar="R",
                   help="only this region of each cloud (repeatable; default: every region its entry names)")
    r.add_argument("--shard", type=shard, metavar="K/N",
                   help="only the K-th of N disjoint parts of the targets (1 <= K <= N)")
    r.add_argument("--out", default="osi-results", metavar="DIR", help="results directory (default: osi-results)")
    r.add_argument("--group", action="append", default=[], metavar="G", help=f"only these pain points: {', '.join(GROUPS)}")
    r.add_argument("-k", metavar="EXPR", help="pytest -k expression over probe names")
    r.add_argument("--read-only", action="store_true", help="only probes that create nothing")
    r.add_argument("-n", type=workers, metavar="WORKERS", help="targets probed at once, each in its own process "
                   "(default: as many as memory holds; 0: one after another in this process)")
    r.add_argument("--junitxml", metavar="PATH", help="also write a JUnit XML report")
    r.add_argument("--guideline", metavar="ID", help="grade against this guideline (default: the newest effective one)")
    r.add_argument("-v", "--verbose", action="count", default=0, help="pytest's verbose lines, one per probe")
    r.set_defaults(pytest_args=[])
    r.epilog = "Options after `--` go to pytest as they are (--tb=short, -rA, -x, ...)."
    r.set_defaults(func=_run)

    d = sub.add_parser("demo", help="run the suite against the built-in simulated vendor fleet")
    d.add_argument("--out", default="osi-demo", metavar="DIR", help="where results, report and profiles go")
    d.add_argument("--personality", action="append", default=[], metavar="NAME",
                   help="only these shipped personalities (default: all)")
    d.add_argument("-n", type=workers, metavar="WORKERS", help="clouds probed at once (default: as memory holds; 0: one by one)")
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
    rep.add_argument("--guideline", metavar="ID", help="grade against this guideline (default: the newest effective one)")
    rep.set_defaults(func=_report)

    gl = sub.add_parser("guidelines", help="list the guidelines clouds are graded against")
    gl.set_defaults(func=_guidelines)

    bu = sub.add_parser("bundle", help="pack one cloud's results, evidence, journals and environment into one file")
    bu.add_argument("out_dir", metavar="OUT_DIR", help="the --out directory of a run")
    bu.add_argument("-o", "--output", required=True, metavar="FILE", help="the bundle to write (.tar.gz)")
    bu.add_argument("--cloud", metavar="LABEL", help="which cloud of OUT_DIR (needed when it holds several)")
    bu.add_argument("--sign", metavar="KEY", help="sign with this SSH private key (ssh-keygen -Y sign -n os-interop)")
    bu.set_defaults(func=_bundle)

    ve = sub.add_parser("verify", help="check a bundle offline: signature, schema, release, evidence, replay")
    ve.add_argument("file", metavar="FILE", help="a bundle written by os-interop bundle")
    ve.add_argument("--guideline", metavar="ID", help="grade against this guideline (default: the one the run named)")
    ve.add_argument("--allowed-signers", metavar="FILE", help="ssh allowed_signers file; the bundle must be signed by one of them")
    ve.set_defaults(func=_verify)

    pr = sub.add_parser("profile", help="openstacksdk vendor profile of a cloud (all its regions); diff or update published ones")
    pr.add_argument("results", nargs="+", metavar="RESULTS",
                    help="results.json files or trees; to emit a profile: the regions of one cloud")
    pr.add_argument("--name", help="profile name (default: the cloud's name)")
    pr.add_argument("--diff", metavar="FILE|openstacksdk:NAME",
                    help="compare with a published profile, key by key; exit 1 when one contradicts a run")
    pr.add_argument("--update", metavar="VENDOR_FILE", help="rewrite this openstacksdk vendor file with what was observed")
    pr.add_argument("--update-dir", metavar="VENDORS_DIR", help="rewrite the vendor file of each cloud in this directory")
    pr.add_argument("--map", action="append", default=[], metavar="CLOUD=VENDOR",
                    help="the vendor file a cloud's results update (default: the cloud's name)")
    pr.add_argument("--format", choices=("text", "json"), default="text", help="--diff output")
    pr.add_argument("-o", "--output", metavar="FILE")
    pr.set_defaults(func=_profile)

    cl = sub.add_parser("cleanup", help="delete what an interrupted run left behind (journal-proven only)")
    cl.add_argument("--cloud", required=True, metavar="NAME")
    cl.add_argument("--run", metavar="ID", help="only this run id (default: every run in the journals)")
    cl.add_argument("--out", default="osi-results", metavar="DIR", help="results directory holding the journals")
    cl.add_argument("--dry-run", action="store_true", help="look the resources up and list them; delete nothing")
    cl.set_defaults(func=_cleanup)

    pv = sub.add_parser("prove", help="openstacksdk's cloud layer through the talk's flow, with and without a profile")
    pv.add_argument("--cloud", required=True, metavar="NAME")
    pv.add_argument("--profile", metavar="FILE", help="vendor profile JSON (default: the one <out>/<cloud>/results.json implies)")
    pv.add_argument("--out", default="osi-results", metavar="DIR", help="where the journal goes (and results are read)")
    pv.add_argument("--format", choices=("text", "json"), default="text")
    pv.add_argument("--no-single-keys", action="store_true", help="do not re-run with single profile keys")
    pv.add_argument("--timeout", type=float, default=180.0, metavar="S", help="per wait (image active, server ACTIVE)")
    pv.set_defaults(func=_prove)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    passed = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser().parse_args(argv[:len(argv) - len(passed) - (1 if "--" in argv else 0)])
    if passed:
        args.pytest_args = passed
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


def entry() -> None:
    """The console script (and ``python -m os_interop``): main(), then leave at once.

    Tearing the interpreter down deallocates every module of openstacksdk, keystoneauth and
    pytest one object at a time: 0.15-0.2 s of a 1 s run, for nothing a finished command
    needs. When no other thread is alive, the exit handlers run and the streams are flushed as
    at a normal exit, and the process ends without that teardown; otherwise it exits normally.
    Standard output is guarded (stdout_guard.py): a reader that leaves ends the output, not
    the run.
    """
    out = stdout_guard.guard()
    code = main()
    if out.gone:        # pytest's capture may have pointed fd 1 back at the closed pipe
        out.silence()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None or threading.active_count() > 1:
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe (`| head`) or a closed stream
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    entry()
