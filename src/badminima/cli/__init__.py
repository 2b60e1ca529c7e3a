"""The command-line interface: a thin layer over experiments/ and report/."""
