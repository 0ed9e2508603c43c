# PLACEHOLDER: replaced by the content implementation.
import click

modules_cli = click.Group("modules", help="Modules.")
