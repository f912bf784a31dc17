"""GainGrid: the workout tracker and its phased migration toolkit."""
__version__ = "0.1.0"
