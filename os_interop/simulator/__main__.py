"""``python -m os_interop.simulator [NAME...] [--clouds-yaml PATH]``: serve simulated clouds until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from . import Fleet, PersonalityError, load_personality, shipped_personalities


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m os_interop.simulator",
                                     description="Serve simulated OpenStack clouds on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="shipped personality names or personality YAML files (default: all shipped)")
    parser.add_argument("--clouds-yaml", type=Path, default=Path("clouds.yaml"),
                        help="where to write the clouds.yaml for the served clouds (default: ./clouds.yaml)")
    parser.add_argument("--list", action="store_true", help="list the shipped personalities and exit")
    args = parser.parse_args(argv)
    if args.list:
        for path in shipped_personalities():
            print(f"{path.stem:<24} {load_personality(path).data.get('title', '')}")
        return 0
    names = args.names or [p.stem for p in shipped_personalities()]
    started = time.perf_counter()
    try:
        fleet = Fleet.start(names)
    except PersonalityError as exc:
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
