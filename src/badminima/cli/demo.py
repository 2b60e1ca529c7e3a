"""PLACEHOLDER: the 'demo' subcommand is being written; replace this whole module."""


def register(subparsers):
    pass
