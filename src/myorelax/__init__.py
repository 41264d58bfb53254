"""myorelax: decision support for centrally acting skeletal muscle relaxants."""

__version__ = "0.1.0"
