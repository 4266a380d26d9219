# Runs first in the virtual board's MicroPython: its filesystem becomes the board's own folder
# (argv[1]), mounted at / as a board's flash is, and the REPL starts there; or, given a size
# (argv[5], KB), a littlefs image of that size in that folder, so the flash can fill up as a
# board's does. With simulated hardware, the simulator's bytecode is mounted at /sim (argv[2])
# and the trace it plays at /vhw (argv[3]); and, as a board does after a reset outside the raw
# REPL, main.py runs (argv[4]).
import os
import sys

import vfs


class _ImageFile:
    """A block device on a host file, as MicroPython's filesystem docs describe one."""

    def __init__(self, path, kb):
        self.blocks = kb * 1024 // 4096
        try:
            self.f = open(path, "r+b")  # noqa: SIM115 - open as long as it is mounted
            fresh = False
        except OSError:
            self.f = open(path, "w+b")  # noqa: SIM115
            self.f.write(b"\xff" * (self.blocks * 4096))
            fresh = True
        self.fresh = fresh

    def readblocks(self, n, buf, offset=0):
        self.f.seek(n * 4096 + offset)
        self.f.readinto(buf)

    def writeblocks(self, n, buf, offset=0):
        self.f.seek(n * 4096 + offset)
        self.f.write(buf)
        self.f.flush()

    def ioctl(self, op, arg):
        if op == 4:
            return self.blocks
        if op == 5:
            return 4096
        if op == 6:
            return 0
        return None


if sys.argv[5] != "-":
    _dev = _ImageFile(sys.argv[1] + "/flash.img", int(sys.argv[5]))  # opened before the host goes away
    if _dev.fresh:
        vfs.VfsLfs2.mkfs(_dev)
    os.umount("/")
    os.mount(vfs.VfsLfs2(_dev), "/")
    del _dev
else:
    os.umount("/")
    os.mount(vfs.VfsPosix(sys.argv[1]), "/")
sys.path[0] = ""  # was this script's folder; a board imports from the current one, then /lib
sys.path.append("/lib")
if sys.argv[2] != "-":
    os.mount(vfs.VfsPosix(sys.argv[2]), "/sim")
    sys.path.append("/sim")
if sys.argv[3] != "-":
    os.mount(vfs.VfsPosix(sys.argv[3]), "/vhw")
os.chdir("/")
if sys.argv[4] == "main" and "main.py" in os.listdir("/"):
    del os, sys, vfs, _ImageFile
    with open("main.py") as f:
        source = f.read()
    # In this module's globals, the REPL's: as on a board, what main.py defined at its top
    # level (its flashing hook, keep_alive) is there once Ctrl-C has stopped it.
    exec(source, globals())
else:
    del os, sys, vfs, _ImageFile
