"""`python3 -m os_interop ...` is the os-interop command, whatever PATH says."""

import sys

from os_interop.cli import main

sys.exit(main())
