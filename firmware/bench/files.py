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
