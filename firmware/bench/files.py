# The flash store on a board: small files on the board's filesystem, each replaced whole by
# writing a temporary file and renaming it (littlefs renames atomically), so a power cut
# leaves the old file or the new one, never half of one.
import os


class FileStore:
    def __init__(self, root=""):
        self.root = root

    def _path(self, name):
        return self.root + "/" + name if self.root else name

    def read(self, name):
        try:
            with open(self._path(name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def write(self, name, data):
        tmp = self._path(name + ".new")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, self._path(name))


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
