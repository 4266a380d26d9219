"""Putting the firmware on boards: what to copy (deploy: the manifest staged, mpremote), the
checks before anything is written (preflight), installing MicroPython (install), the boot
banner after (banner), a row of benches at once (fleet, view), and a frozen image (freeze)."""
