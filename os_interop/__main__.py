"""`python3 -m os_interop ...` is the os-interop command, whatever PATH says."""

from os_interop.cli import entry

entry()
