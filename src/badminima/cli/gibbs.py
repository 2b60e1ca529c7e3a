"""PLACEHOLDER: the 'gibbs' subcommand is being written; replace this whole module."""


def register(subparsers):
    pass
