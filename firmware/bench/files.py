# The flash store on a board: small files on the board's filesystem, each replaced whole by
# writing a temporary file and renaming it (littlefs renames atomically), so a power cut
# leaves the old file or the new one, never half of one.
import os

from micropython import const

READ_MAX = const(16384)  # the largest file the bench keeps (network.json with a CA chain: 12 KB)


class FileStore:
    def __init__(self, root=""):
        self.root = root

    def _path(self, name):
        return self.root + "/" + name if self.root else name

    def read(self, name):
        """The file's bytes, or None if there is none. Of a file larger than any the bench
        writes, READ_MAX + 1 bytes: its reader finds it malformed and says so, where reading
        it whole could exhaust the heap at every boot."""
        try:
            with open(self._path(name), "rb") as f:
                return f.read(READ_MAX + 1)
        except OSError:
            return None

    def write(self, name, data):
        tmp = self._path(name + ".new")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, self._path(name))

    def set_aside(self, name):
        """Rename a file the bench cannot use to NAME.bad (replacing an older one), so that it
        is not read at the next boot and a technician can still look at it."""
        try:
            os.rename(self._path(name), self._path(name + ".bad"))
        except OSError:
            pass


class FileBlock:
    """A preallocated file written in place, for the report queue: created full of 0xFF at
    its size once, then read and written at offsets (littlefs keeps each write whole per
    block; the queue's CRCs catch the rest)."""

    def __init__(self, path, size):
        self.path = path
        try:
            have = os.stat(path)[6]
        except OSError:
            have = -1
        if have != size:
            with open(path, "wb") as f:
                chunk = b"\xff" * 64
                for _ in range(size // 64):
                    f.write(chunk)
                f.write(b"\xff" * (size % 64))
        self._f = open(path, "r+b")

    def readinto(self, offset, buf):
        self._f.seek(offset)
        self._f.readinto(buf)

    def write(self, offset, data):
        self._f.seek(offset)
        self._f.write(data)
        self._f.flush()


class RamBlock:
    """A queue block in RAM, for a board whose flash file could not be made: the bench keeps
    working, and says that its reports no longer survive a reset."""

    def __init__(self, size):
        self.data = bytearray(b"\xff" * size)

    def readinto(self, offset, buf):
        buf[0:len(buf)] = self.data[offset:offset + len(buf)]

    def write(self, offset, data):
        self.data[offset:offset + len(data)] = data
