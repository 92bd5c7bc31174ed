"""refcloud: install, run and configure the os-interop reference cloud.

Genuine OpenStack services (keystone, glance, placement, neutron, nova with
the fake virt driver) from PyPI, each its own process on 127.0.0.1, with all
state under one directory. `reference-cloud/refcloud --help` is the entry point.
"""
