"""The benchmark against peers (bench/run, bench/README.md)."""
