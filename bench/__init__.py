"""Benchmarks of the costs that grow with the work (issue 11): ``python3 tasks.py bench``.

Each bench prints one JSON line per figure with the project's figure, its floor or peer and
their ratio (see :mod:`bench._result`); ``bench.run`` runs them and writes ``bench/results.json``.
"""
