"""A power cut for SQLite: an APSW VFS that keeps every write not yet synced in memory, and loses it at the cut.

Like SQLite's own crash tests (test6.c), the disk holds only what was synced:
each open file has a page-cache copy in memory that reads and writes use;
``xSync`` writes that copy to the real file; the cut — fired by a fuse that
burns down on every write and sync — makes every further operation fail and
throws the memory away, as the machine losing power would. After ``reboot()``
the files hold exactly what had been synced.

Locks and the WAL index (``-shm``, which SQLite rebuilds from the WAL after a
crash) go to the real files through APSW's default VFS. Creating and deleting
files count as durable at once (a simplification: the metadata of a file
system with a journal).
"""
from __future__ import annotations

import os
from typing import Callable

import apsw


class PowerCut(apsw.VFS):
    def __init__(self, name: str = "powercut") -> None:
        super().__init__(name, "")
        self.name = name
        self.cache: dict[str, bytearray] = {}  # file name -> what the OS would show (synced or not)
        self.dirty: dict[str, dict[int, int]] = {}  # file name -> {offset: length} written since its last sync
        self.fuse: int | None = None
        self.dead = False
        self.cuts = 0
        self.connections: list = []  # every connection opened on this "machine", whichever thread holds it
        self.files: set = set()  # every file open through this VFS, until SQLite closes it

    # -- the switch -----------------------------------------------------------------------------------------
    def arm(self, operations: int) -> None:
        """Cut the power at the ``operations``-th write or sync from now."""
        self.fuse = operations

    def burn(self) -> None:
        if self.dead:
            raise OSError("no power")
        if self.fuse is not None:
            self.fuse -= 1
            if self.fuse <= 0:
                self.dead, self.fuse = True, None
                self.cuts += 1
                raise OSError("power cut")

    def unplug(self) -> None:
        """Every connection dies with the power, not only the one of the thread that saw the cut: close them all,
        whatever state the cut left them in (other threads' connections would otherwise keep their files open)."""
        for conn in self.connections:
            try:
                conn.close(True)
            except Exception:  # noqa: BLE001 - a half-dead connection may refuse; its files are closed below
                pass
        self.connections.clear()
        # What a connection killed mid-write never closed: the handles die too. (The WAL index, -shm, is mapped
        # inside SQLite's own unix VFS, out of APSW's reach: one such handle per cut stays open until exit.)
        for file in list(self.files):
            file.xClose()

    def reboot(self) -> None:
        """Power back: what was not synced is gone; the files are what the disk holds."""
        self.cache.clear()
        self.dirty.clear()
        self.dead, self.fuse = False, None

    # -- the VFS --------------------------------------------------------------------------------------------
    def xOpen(self, name, flags):
        return CachedFile(self, name, flags)

    def xDelete(self, filename: str, syncdir: bool) -> None:
        if self.dead:
            raise OSError("no power")
        self.cache.pop(filename, None)
        self.dirty.pop(filename, None)
        super().xDelete(filename, syncdir)


class CachedFile(apsw.VFSFile):
    def __init__(self, vfs: PowerCut, name, flags) -> None:
        super().__init__("", name, flags)
        self.vfs = vfs
        vfs.files.add(self)
        # SQLite's temporary files have no name: give each its own key, forgotten when it closes
        self.temporary = name is None
        self.path = f"temporary-{id(self)}" if self.temporary else (name if isinstance(name, str) else name.filename())
        if self.path not in vfs.cache and not self.temporary:
            size = super().xFileSize()
            vfs.cache[self.path] = bytearray(super().xRead(size, 0)) if size else bytearray()

    @property
    def memory(self) -> bytearray:
        return self.vfs.cache.setdefault(self.path, bytearray())

    def _alive(self) -> None:
        if self.vfs.dead:
            raise OSError("no power")

    def xRead(self, amount: int, offset: int) -> bytes:
        self._alive()
        return bytes(self.memory[offset:offset + amount])  # short: APSW zero-fills and says SHORT_READ

    def xWrite(self, data, offset: int) -> None:
        self.vfs.burn()
        memory = self.memory
        if len(memory) < offset:
            memory.extend(bytes(offset - len(memory)))
        memory[offset:offset + len(data)] = bytes(data)
        dirty = self.vfs.dirty.setdefault(self.path, {})
        dirty[offset] = max(dirty.get(offset, 0), len(data))

    def xTruncate(self, newsize: int) -> None:
        self.vfs.burn()
        del self.memory[newsize:]

    def xFileSize(self) -> int:
        self._alive()
        return len(self.memory)

    def xSync(self, flags: int) -> None:
        self.vfs.burn()
        memory = self.memory
        if super().xFileSize() > len(memory):
            super().xTruncate(len(memory))
        for offset, length in sorted(self.vfs.dirty.pop(self.path, {}).items()):
            chunk = bytes(memory[offset:offset + length])
            if chunk:
                super().xWrite(chunk, offset)
        # no fsync of the real file: the simulated disk is its content, and this machine's power stays on

    def xClose(self) -> None:
        if self not in self.vfs.files:
            return
        self.vfs.files.discard(self)
        if self.temporary:
            self.vfs.cache.pop(self.path, None)
            self.vfs.dirty.pop(self.path, None)
        super().xClose()


def apsw_factory(vfs: PowerCut) -> Callable:
    """A stand-in for peewee's ``SqliteDatabase(path, pragmas=…, check_same_thread=…)`` on the power-cut VFS,
    with the caller's own pragmas (so the store under test is configured exactly as in use)."""
    import datetime
    import decimal

    import apsw.ext
    from playhouse.apsw_ext import APSWDatabase

    types = apsw.ext.TypesConverterCursorFactory()
    # the adapters Python's sqlite3 module applies by default, so rows are stored as the ordinary driver stores them
    types.register_adapter(datetime.datetime, lambda v: v.isoformat(" "))
    types.register_adapter(datetime.date, lambda v: v.isoformat())
    types.register_adapter(decimal.Decimal, str)

    class PowerCutDatabase(APSWDatabase):
        def _connect(self):
            conn = super()._connect()
            conn.cursor_factory = types
            vfs.connections.append(conn)
            return conn

    def make(path, pragmas=None, check_same_thread=None, thread_safe=True, **_ignored):
        return PowerCutDatabase(str(path), pragmas=pragmas or {}, vfs=vfs.name, thread_safe=thread_safe)

    return make


def real_file_quick_check(path: os.PathLike) -> str:
    """``PRAGMA quick_check`` of the file as the disk holds it, through SQLite's ordinary VFS."""
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READWRITE)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA quick_check"))
    finally:
        conn.close()
