"""Run reports (plotly HTML) and performance statistics."""
