# Runs first in the virtual board's MicroPython: its filesystem becomes the board's own folder
# (argv[1]), mounted at / as a board's flash is, and the REPL starts there. With simulated
# hardware, the simulator's bytecode is mounted at /sim (argv[2]) and the trace it plays at
# /vhw (argv[3]); and, as a board does after a reset outside the raw REPL, main.py runs (argv[4]).
import os
import sys

import vfs

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
    del os, sys, vfs
    with open("main.py") as f:
        source = f.read()
    exec(source, {"__name__": "__main__"})
else:
    del os, sys, vfs
