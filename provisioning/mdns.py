"""Boards on the LAN, advertised and found over mDNS as ``_classboard._tcp``.

Discovery is only a hint for IT staff: a record says which board is where and
whether it is claimed, and carries its key fingerprint, but trust comes from
enrollment (claim code or token, pinned keys), never from an mDNS answer.
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

SERVICE_TYPE = "_classboard._tcp.local."


@dataclass(frozen=True)
class BoardAdvert:
    board_id: str
    state: str  # unclaimed | enrolled
    room: str
    fingerprint: str
    addresses: tuple[str, ...]
    port: int

    def properties(self) -> dict[str, str]:
        return {"id": self.board_id, "state": self.state, "room": self.room, "fp": self.fingerprint, "v": "1"}


def _host_addresses() -> list[str]:
    """IPv4 and IPv6 addresses of this host, without loopback, for a real board."""
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(info[4][0])
    except OSError:
        pass
    return sorted(a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_loopback)


class Advertiser:
    """Keeps one board's record published; ``update`` re-announces a changed state."""

    def __init__(self, advert: BoardAdvert, interfaces: list[str] | None = None) -> None:
        from zeroconf import IPVersion, Zeroconf

        self.advert = advert
        v6 = any(":" in a for a in advert.addresses)
        v4 = any(":" not in a for a in advert.addresses)
        version = IPVersion.All if v4 and v6 else (IPVersion.V6Only if v6 else IPVersion.V4Only)
        self.zeroconf = Zeroconf(interfaces=interfaces or advert.addresses or _host_addresses(), ip_version=version)
        self.info = self._info(advert)
        self.zeroconf.register_service(self.info, allow_name_change=True)

    @staticmethod
    def _info(advert: BoardAdvert):
        from zeroconf import ServiceInfo

        return ServiceInfo(SERVICE_TYPE, f"{advert.board_id}.{SERVICE_TYPE}",
                           parsed_addresses=list(advert.addresses), port=advert.port,
                           properties=advert.properties(), server=f"{advert.board_id}.local.")

    def update(self, advert: BoardAdvert) -> None:
        self.advert = advert
        self.info = self._info(advert)
        self.zeroconf.update_service(self.info)

    def close(self) -> None:
        self.zeroconf.unregister_service(self.info)
        self.zeroconf.close()


def _advert_from(info) -> BoardAdvert | None:
    props = {k.decode(): (v or b"").decode("utf-8", "replace") for k, v in (info.properties or {}).items()}
    if "id" not in props:
        return None
    return BoardAdvert(props["id"], props.get("state", "?"), props.get("room", ""), props.get("fp", ""),
                       tuple(info.parsed_addresses()), info.port or 0)


def discover(seconds: float = 3.0, *, interfaces: list[str] | None = None, expect: int | None = None,
             on_found: Callable[[BoardAdvert], None] | None = None) -> list[BoardAdvert]:
    """Browse for boards for up to ``seconds`` (sooner once ``expect`` boards are listed)."""
    from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf

    zc = Zeroconf(interfaces=interfaces or ["0.0.0.0"],
                  ip_version=IPVersion.V4Only if interfaces and all(":" not in i for i in interfaces) else IPVersion.All)
    found: dict[str, BoardAdvert] = {}
    pending: list[str] = []
    lock = threading.Lock()

    def handler(zeroconf, service_type, name, state_change) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            with lock:
                pending.append(name)

    browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[handler])
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with lock:
                names, pending[:] = list(pending), []
            for name in names:
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=1500)
                advert = _advert_from(info) if info else None
                if advert and advert.board_id not in found:
                    found[advert.board_id] = advert
                    if on_found:
                        on_found(advert)
            if expect is not None and len(found) >= expect:
                break
            time.sleep(0.05)
    finally:
        browser.cancel()
        zc.close()
    return sorted(found.values(), key=lambda a: (a.room, a.board_id))
