"""`classboard image customize` on a real (small) partitioned disk image, read back with mtools."""
import subprocess
import sys
import tomllib

import pytest

from provisioning.bootpart import ImageError, boot_partition, read_boot_file

SCHOOL = '[board]\nlanguage = "zh-CN"\n\n[hub]\nurl = "http://hub.school.lan:8000"\nenrollment_token = "tok-123"\n'


@pytest.fixture
def disk_image(tmp_path):
    """A 64 MiB image shaped like Raspberry Pi OS: a FAT boot partition, then a Linux one (FAT16 at this small size)."""
    image = tmp_path / "board.img"
    with open(image, "wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    layout = "label: dos\nstart=8192, size=65536, type=e\nstart=73728, type=83\n"
    subprocess.run(["/usr/sbin/sfdisk", "--no-reread", "--no-tell-kernel", str(image)], input=layout,
                   text=True, check=True, capture_output=True)
    subprocess.run(["/usr/sbin/mkfs.vfat", "-n", "BOOTFS", "--offset", "8192", str(image), str(65536 // 2)],
                   check=True, capture_output=True)
    return image


def customize(*args):
    return subprocess.run([sys.executable, "-m", "classboard", "image", "customize", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_writes_school_and_device_config(tmp_path, disk_image):
    school = tmp_path / "school.toml"
    school.write_text(SCHOOL, encoding="utf-8")
    devices = tmp_path / "devices.csv"
    devices.write_bytes("\ufeffname,room,class_id,hostname\r\n高一(1)班,R101,C101,board-r101\r\n"
                        "高一(2)班,R102,C102,board-r102\r\n".encode("utf-8"))
    result = customize(disk_image, "--config", school, "--devices", devices, "--row", 2)
    assert result.returncode == 0, result.stderr
    written = tomllib.loads(read_boot_file(disk_image, "classboard.toml").decode("utf-8"))
    assert written["hub"] == {"url": "http://hub.school.lan:8000", "enrollment_token": "tok-123", "room": "R102"}
    assert written["board"]["class_id"] == "C102" and written["board"]["name"] == "高一(2)班"
    assert written["system"]["hostname"] == "board-r102"
    assert boot_partition(disk_image).start_sector == 8192
    again = customize(disk_image, "--config", school)  # a second run replaces, never appends
    assert again.returncode == 0
    assert "R102" not in read_boot_file(disk_image, "classboard.toml").decode("utf-8")


def test_bad_inputs_change_nothing(tmp_path, disk_image):
    school = tmp_path / "school.toml"
    school.write_text('[ui]\norientation = "round"\n', encoding="utf-8")
    result = customize(disk_image, "--config", school)
    assert result.returncode != 0 and "ui.orientation" in result.stderr
    with pytest.raises(ImageError, match="not on the boot partition"):
        read_boot_file(disk_image, "classboard.toml")
    devices = tmp_path / "devices.csv"
    devices.write_text("name,room\nA,R1\n", encoding="utf-8")
    school.write_text(SCHOOL, encoding="utf-8")
    result = customize(disk_image, "--config", school, "--devices", devices, "--row", 1)
    assert result.returncode != 0 and "class_id" in result.stderr and "missing column" in result.stderr
    not_an_image = tmp_path / "notes.txt"
    not_an_image.write_text("hello")
    result = customize(not_an_image, "--config", school)
    assert result.returncode != 0 and "no MBR partition table" in result.stderr


def test_imager_repository_json_describes_the_image(tmp_path, disk_image):
    import hashlib
    import json
    import lzma

    xz = tmp_path / "classboard.img.xz"
    raw = disk_image.read_bytes()
    xz.write_bytes(lzma.compress(raw, preset=0))
    out = tmp_path / "repo.json"
    result = subprocess.run([sys.executable, "-m", "classboard", "image", "imager-json", str(xz),
                             "--url", "http://intranet.school/classboard.img.xz", "--out", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    entry = json.loads(out.read_text())["os_list"][0]
    assert entry["extract_size"] == len(raw) and entry["extract_sha256"] == hashlib.sha256(raw).hexdigest()
    assert entry["image_download_size"] == xz.stat().st_size
