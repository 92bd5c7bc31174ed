"""os-interop: the OpenStack interoperability conformance suite.

Data flows one way: config (targets) -> session (with evidence) -> probes ->
observations -> results -> reporters.
"""

__version__ = "0.1.1"
