# The fake chips (and the flash) that the world wires to a board's buses, pins and UARTs:
# each answers at register or frame level, as its datasheet says.
