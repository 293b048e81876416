"""The roles (designer, coder, tuner, aggregator) and the manager that steers them."""
