"""The run's tiny images are what they claim to be (glance inspects uploads and refuses
mislabelled data), checked with qemu-img where it is installed."""

import json
import shutil
import subprocess

import pytest

from os_interop import tiny_images

QEMU_NAME = {"qcow2": "qcow2", "vhd": "vpc", "raw": "raw"}


@pytest.mark.parametrize("disk_format", sorted(tiny_images.BUILDERS))
def test_tiny_images_are_small(disk_format):
    assert 0 < len(tiny_images.build(disk_format)) <= 8192


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img not installed (apt-get install qemu-utils)")
@pytest.mark.parametrize("disk_format", ["qcow2", "vhd"])
def test_qemu_img_recognises_the_format_and_size(disk_format, tmp_path):
    path = tmp_path / f"tiny.{disk_format}"
    path.write_bytes(tiny_images.build(disk_format))
    info = json.loads(subprocess.run(["qemu-img", "info", "--output", "json", str(path)],
                                     capture_output=True, text=True, check=True).stdout)
    assert info["format"] == QEMU_NAME[disk_format]
    assert info["virtual-size"] >= tiny_images.VIRTUAL_SIZE
    if disk_format == "qcow2":
        subprocess.run(["qemu-img", "check", str(path)], check=True, capture_output=True)
