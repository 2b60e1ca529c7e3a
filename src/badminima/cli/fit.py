"""PLACEHOLDER: the 'fit' subcommand is being written; replace this whole module."""


def register(subparsers):
    pass
