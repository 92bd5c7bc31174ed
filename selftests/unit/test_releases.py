"""The table of released capability digests keeps up with the capability files."""

from os_interop import __version__, capabilities, releases


def test_current_capabilities_are_a_released_digest():
    digest = capabilities.load().digest
    known = releases.table()
    assert known.get(__version__) == digest, (
        f"capabilities/*.yaml changed (digest {digest}) but capabilities/releases/releases.yaml "
        f"says {known.get(__version__)!r} for version {__version__}. If {__version__} is not "
        f"released yet, set its capabilities_digest to {digest}; if it is released, bump the "
        f"version in pyproject.toml and os_interop/__init__.py and add an entry "
        f"'- version: <new>, capabilities_digest: {digest}, released: <date>'.")


def test_problem_names_an_edited_digest_and_an_unknown_version():
    digest = capabilities.load().digest
    assert releases.problem(__version__, digest) is None
    assert "edited" in releases.problem(__version__, "sha256:0")
    assert "not a released version" in releases.problem("0.0.0-local", digest)
