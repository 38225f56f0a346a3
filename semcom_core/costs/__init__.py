"""Computation, communication and latency costs of split models (paper 000 eqs. 1-6, Table II)."""
