"""Built-in deck formats: one module per generator owns detect, split and inject."""
