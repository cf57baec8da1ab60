"""Gazette mining: parse Chinese government gazette PDFs, index them, search them."""

__version__ = "0.2.0"
