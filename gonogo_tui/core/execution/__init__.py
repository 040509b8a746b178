"""How probes are run fast without changing what they measure (see docs/execution.md).

Nothing here decides a probe's outcome: the engine (`core/engine.py`) and the probe
runners do. This package only spends the machine well:

- `timed`: a busy event loop kept out of a timed probe's latency (head start, own loop);
- `http_pool`, `http_share`, `tls`: the HTTP clients web-API probes share, the requests
  in flight they share, and the TLS contexts those clients use;
- `shares`, `process_pool`: a headless burst spread over forked worker processes;
- `lazy_imports`: start-up work the command line does not pay.

This module imports nothing, so importing any one piece stays cheap.
"""
