"""SSH signatures over a bundle's manifest: `ssh-keygen -Y sign/verify -n os-interop`.

The namespace ties a signature to this use: an os-interop signature cannot be passed off
as a git commit's or a file's signed for another purpose, and vice versa.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from os_interop.errors import UserError

NAMESPACE = "os-interop"


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if not found:
        raise UserError("ssh-keygen not found: install openssh-client (apt-get install openssh-client)")
    return found


def check_key(key: str) -> None:
    _ssh_keygen()
    if not Path(key).is_file():
        raise UserError(f"--sign {key}: no such key file; pass an SSH private key (ssh-keygen -t ed25519)")


def sign(data: bytes, key: str) -> bytes:
    """The armored SSH signature of `data` with the private key at `key`."""
    check_key(key)
    with tempfile.TemporaryDirectory(prefix="osi-sign-") as tmp:
        message = Path(tmp) / "manifest.json"
        message.write_bytes(data)
        done = subprocess.run([_ssh_keygen(), "-Y", "sign", "-f", key, "-n", NAMESPACE, str(message)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["ssh-keygen failed"])[-1]
            raise UserError(f"--sign {key}: ssh-keygen could not sign ({why}); pass a private key "
                            "you can use without a prompt, or load it into ssh-agent")
        return (Path(tmp) / "manifest.json.sig").read_bytes()


def verify(data: bytes, signature: bytes, allowed_signers: str) -> tuple[str | None, str | None]:
    """(signer, None) when one of the allowed signers made `signature` over `data`,
    else (None, what is wrong in one line)."""
    tool = _ssh_keygen()
    with tempfile.TemporaryDirectory(prefix="osi-verify-") as tmp:
        sig = Path(tmp) / "manifest.json.sig"
        sig.write_bytes(signature)
        found = subprocess.run([tool, "-Y", "find-principals", "-s", str(sig), "-f", allowed_signers],
                               capture_output=True, text=True)
        principals = [p for p in found.stdout.split() if p]
        if found.returncode != 0 or not principals:
            return None, "signature: made by a key that is not in the allowed signers (or damaged)"
        for principal in principals:
            done = subprocess.run([tool, "-Y", "verify", "-f", allowed_signers, "-I", principal,
                                   "-n", NAMESPACE, "-s", str(sig)], input=data, capture_output=True)
            if done.returncode == 0:
                return principal, None
        return None, (f"signature: does not match the manifest (key of {', '.join(principals)}): "
                      "the manifest was changed after signing")
