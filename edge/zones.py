"""Which broadcast zones this board belongs to: the school, itself, its building and floor, its class's grade."""
from __future__ import annotations

from protocol.mqtt import zone_name

from .store import models as m


def board_zones(board) -> list[str]:
    zones = [zone_name("school"), zone_name("board", board.id)]
    room = m.Room.get_or_none(m.Room.id == board.room_id) if board.room_id else None
    if room is not None and room.building:
        zones.append(zone_name("building", room.building))
        if room.floor is not None:
            zones.append(zone_name("floor", room.building, room.floor))
    group = m.ClassGroup.get_or_none(m.ClassGroup.id == board.class_id) if board.class_id else None
    if group is not None and group.grade:
        zones.append(zone_name("grade", group.grade))
    return zones
