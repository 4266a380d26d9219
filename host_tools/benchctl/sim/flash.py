# The board's flash store, simulated: files that survive resets. The firmware's FileStore
# replaces a file by write-then-rename, so a write torn by a power cut leaves the old file:
# `tear()` does exactly that to the last write.


class FakeFlash:
    def __init__(self):
        self.files = {}
        self.writes = 0
        self._last = None  # (name, previous content) of the latest write

    def read(self, name):
        return self.files.get(name)

    def write(self, name, data):
        self._last = (name, self.files.get(name))
        self.files[name] = bytes(data)
        self.writes += 1

    def tear(self):
        """A reset cut the latest write short: the rename never happened."""
        if self._last is None:
            return None
        name, old = self._last
        if old is None:
            self.files.pop(name, None)
        else:
            self.files[name] = old
        self._last = None
        return name
