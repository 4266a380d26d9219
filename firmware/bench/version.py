# The firmware's version, printed in the boot banner and reported at boot.
VERSION = "0.1.0"
