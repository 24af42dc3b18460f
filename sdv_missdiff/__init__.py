"""MissDiff for SDV: learn from incomplete tables without imputing them first."""

__version__ = '0.1.0.dev0'
