"""Lets `pytest tests/ --os-cloud NAME` run the conformance probes straight from a checkout."""

pytest_plugins = ["os_interop.plugin"]
