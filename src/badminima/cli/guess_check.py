"""PLACEHOLDER: the 'guess_check' subcommand is being written; replace this whole module."""


def register(subparsers):
    pass
