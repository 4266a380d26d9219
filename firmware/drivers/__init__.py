# One module per chip: each takes the bus, pin or UART object it is given and never builds one.
