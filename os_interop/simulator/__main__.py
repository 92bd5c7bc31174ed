"""``python -m os_interop.simulator [NAME...] [--clouds-yaml PATH] [--faults FILE] [--latency-ms N]``: serve
simulated clouds until Ctrl-C, optionally injecting faults and latency (one spec, applied to each cloud)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from . import FaultSpec, FaultSpecError, Fleet, PersonalityError, load_personality, shipped_personalities
from .faults import NO_FAULTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m os_interop.simulator",
                                     description="Serve simulated OpenStack clouds on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="shipped personality names or personality YAML files (default: all shipped)")
    parser.add_argument("--clouds-yaml", type=Path, default=Path("clouds.yaml"),
                        help="where to write the clouds.yaml for the served clouds (default: ./clouds.yaml)")
    parser.add_argument("--list", action="store_true", help="list the shipped personalities and exit")
    parser.add_argument("--faults", type=Path, metavar="FILE",
                        help="fault spec (YAML or JSON, schemas/faults.schema.json) injected into every served cloud")
    parser.add_argument("--latency-ms", type=float, metavar="N", help="wait N ms before handling each request")
    parser.add_argument("--server-build-s", type=float, metavar="S", help="new servers stay BUILD for S seconds")
    parser.add_argument("--api-timeout", type=float, metavar="S",
                        help="api_timeout written into the clouds.yaml (clients give up on a stall after S s)")
    parser.add_argument("--fault-log", type=Path, metavar="FILE",
                        help="append one JSON line per injected fault or delay to FILE (as it happens)")
    args = parser.parse_args(argv)
    for flag, value in (("--latency-ms", args.latency_ms), ("--server-build-s", args.server_build_s),
                        ("--api-timeout", args.api_timeout)):
        if value is not None and value < 0:
            print(f"error: {flag} must not be negative", file=sys.stderr)
            return 2
    if args.list:
        for path in shipped_personalities():
            print(f"{path.stem:<24} {load_personality(path).title}")
        return 0
    names = args.names or [p.stem for p in shipped_personalities()]
    started = time.perf_counter()
    try:
        spec = FaultSpec.load(args.faults) if args.faults else NO_FAULTS
        spec = spec.with_latency(args.latency_ms, args.server_build_s)
        fleet = Fleet.start(names, faults=spec, api_timeout=args.api_timeout, fault_log=args.fault_log)
    except (PersonalityError, FaultSpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with fleet:
        fleet.write_clouds_yaml(args.clouds_yaml)
        print(f"{len(fleet.clouds)} simulated clouds up in {time.perf_counter() - started:.2f}s; "
              f"clouds.yaml written to {args.clouds_yaml}")
        for name in fleet.clouds:
            print(f"  {name:<24} {fleet.url(name)}")
        print(f"export OS_CLIENT_CONFIG_FILE={args.clouds_yaml.resolve()}  # then: openstack --os-cloud NAME ...")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        print("stopping", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
