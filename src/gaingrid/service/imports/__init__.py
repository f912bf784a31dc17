"""Importing Strong and Hevy workout logs, and exporting ours in Strong's format."""
from .csvfile import ImportRefused
from .export import StrongExport
from .report import ImportReport
from .run import run_import

__all__ = ["ImportRefused", "ImportReport", "run_import", "StrongExport"]
