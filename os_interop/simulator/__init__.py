"""Simulated OpenStack clouds on loopback, each built from a personality file that declares its quirks.

    from os_interop.simulator import Fleet, load_personality, shipped_personalities
    with Fleet.start([load_personality(p) for p in shipped_personalities()]) as fleet:
        fleet.write_clouds_yaml("clouds.yaml")
"""

from .faults import FaultSpec, FaultSpecError
from .fleet import Fleet
from .personality import Personality, PersonalityError, find_personality, load_personality, shipped_personalities

__all__ = ["FaultSpec", "FaultSpecError", "Fleet", "Personality", "PersonalityError", "find_personality", "load_personality", "shipped_personalities"]
