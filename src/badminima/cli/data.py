"""PLACEHOLDER: the 'data' subcommand is being written; replace this whole module."""


def register(subparsers):
    pass
