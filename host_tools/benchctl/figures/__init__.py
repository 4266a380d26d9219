"""What `make bench`, `make energy` and their kin measure and print: benchmarks, the energy and
occupancy figures, reliability and soak runs, sizing, the perfect-foresight bound, and each
board's RAM. Figures, never pass/fail tests: these machines are shared and noisy."""
