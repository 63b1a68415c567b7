"""Real servers on loopback (action server, Rasa server) for the tests, the sealed gate and the
benchmarks. Not under tests/: `make nlu-gate` and `make bench` (scripts/) start them too, and
scripts are entry points that must not import the test suite (docs/developers.md)."""
