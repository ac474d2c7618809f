"""A board names its own SoC vendor and model in its health report (for the hub's 3.3.3 domestic share)."""
from __future__ import annotations


def test_device_tree_names_the_soc_and_model(tmp_path):
    from edge.sync.health import hardware_facts

    tree = tmp_path / "device-tree"
    tree.mkdir()
    (tree / "compatible").write_bytes(b"radxa,rock-5b\0rockchip,rk3588\0")
    (tree / "model").write_bytes(b"Radxa ROCK 5B\0")
    assert hardware_facts(tree, tmp_path / "none") == {"soc_vendor": "rockchip", "soc": "rk3588",
                                                       "model": "Radxa ROCK 5B", "source": "device-tree"}


def test_without_a_device_tree_cpuinfo_names_the_vendor(tmp_path):
    from edge.sync.health import hardware_facts

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) N100\n")
    assert hardware_facts(tmp_path / "none", cpuinfo) == {"soc_vendor": "genuineintel", "soc": "Intel(R) N100",
                                                          "model": None, "source": "cpuinfo"}
    assert hardware_facts(tmp_path / "none", tmp_path / "none")["soc_vendor"] is None
