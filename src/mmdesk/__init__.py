"""mmdesk: an options market-making desk.

Layers (dependencies point downwards only)::

    cli, report        commands and run reports
    experiments        runs that answer a question
    sim                event loop, clock, run store
    desk               central book, prop books, internal crossing
    risk, hedging      positions, greeks aggregation, limits, hedging bands
    flow               external flow agents, flow classification
    venue              matching engine, fill models, fees, settlement
    surface, analytics implied forwards, smiles/surfaces, GEX, pinning
    pricing            prices, greeks, implied vols (numeric kernels)
    market             instruments, chains, events, price processes
"""

__version__ = "0.1.0"
