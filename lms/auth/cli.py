# PLACEHOLDER: replaced by the auth implementation.
import click

users_cli = click.Group("users", help="Accounts.")
