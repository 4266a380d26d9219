# Runs first in the virtual board's MicroPython: its filesystem becomes the board's own folder
# (argv[1]), mounted at / as a board's flash is, and the REPL starts there.
import os
import sys

import vfs

os.umount("/")
os.mount(vfs.VfsPosix(sys.argv[1]), "/")
os.chdir("/")
del os, sys, vfs
