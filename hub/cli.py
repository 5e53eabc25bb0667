"""The `hub` command: run the hub, run workers, migrate, load the demo, manage users and tokens."""

from __future__ import annotations

import getpass
import logging

import click

from hub import cli_support
from hub.cli_exit import fail as _fail
from hub.config import Config, ConfigError


@click.group()
def cli() -> None:
    """粤工惠 content-and-campaign hub."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def main() -> None:
    """Entry point: the hub's commands plus those the enabled adapters bring
    (a channel's `cli()` returns click commands or groups)."""
    from hub import channels
    from hub.campaigns.cli import campaigns_group, merchant
    from hub.media.gallery import forms

    cli.add_command(merchant)
    cli.add_command(campaigns_group)
    cli.add_command(forms)
    try:
        cli_support.wiring()  # the configured adapters, attached: their commands join `hub`
    except ConfigError as exc:  # a bad HUB_* value: say which, not a traceback
        _fail(exc)
    for channel in channels.all_channels():
        for command in channel.cli():
            cli.add_command(command)
    cli()


@cli.command()
@click.option("--host", default=None, help="default HUB_HOST or 127.0.0.1")
@click.option("--port", default=None, type=int, help="default HUB_PORT or 5000")
def run(host: str | None, port: int | None) -> None:
    """Serve the hub (embedded mode: migrates, loads the demo if empty, runs the workers)."""
    from werkzeug.serving import make_server

    from hub.app import create_app
    from hub.runtime import start_embedded_workers

    config = Config.from_env()
    app = create_app(config)
    workers = start_embedded_workers(app) if config.run_workers else None
    server = make_server(host or config.host, port or config.port, app, threaded=True)
    click.echo(f"粤工惠 hub serving at http://{server.host}:{server.port}/ "
               f"(database: {config.database_url.split('://', 1)[0]})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if workers is not None:
            workers.stop()


@cli.command()
@click.option("--threads", type=int, default=None, help="default HUB_WORKER_THREADS")
@click.option("--id", "worker_id", default=None, help="name in delivery records")
def worker(threads: int | None, worker_id: str | None) -> None:
    """Deliver posts and run the scheduled jobs (scale-out: run as many as needed)."""
    import signal

    from hub import channels
    from hub.runtime import Workers

    config = Config.from_env()
    if threads:
        config.worker_threads = threads
    sessions = cli_support.sessions()
    workers = Workers(config, sessions, worker_id=worker_id)
    signal.signal(signal.SIGTERM, lambda *_: workers.dispatcher.stop(wait=False))
    click.echo(f"worker {workers.dispatcher.worker_id}: channels "
               f"{', '.join(channels.channel_names())}")
    try:
        workers.run()
    except KeyboardInterrupt:
        workers.stop()


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema (the hub's and every configured adapter's)."""
    from hub import migrate

    config = Config.from_env()
    engine = cli_support.wiring().engine
    migrate.upgrade(engine, config.var_dir, migrate.locations_of(config.channels))
    click.echo("database is at the newest schema")


@db.command("revision")
@click.option("-m", "--message", required=True, help="what the migration does")
@click.option("--branch", default="hub", show_default=True,
              help="the hub's, or the branch label of an adapter's migrations")
def db_revision(message: str, branch: str) -> None:
    """Write a migration from what the models and the database (at the newest schema)
    disagree on, into the branch's own folder (for developers)."""
    from alembic import command

    from hub import migrate

    config = Config.from_env()
    cfg = migrate.alembic_config(migrate.locations_of(config.channels), config.database_url)
    command.revision(cfg, message=message, autogenerate=True, head=f"{branch}@head")


@cli.command()
def demo() -> None:
    """Load the demo data (accounts, editors, posts); running it twice changes nothing."""
    from hub import demo as demo_data
    from hub import migrate

    config = Config.from_env()
    engine, sessions = cli_support.wiring().engine, cli_support.sessions()
    migrate.upgrade(engine, config.var_dir, migrate.locations_of(config.channels))
    with sessions() as session:
        demo_data.load(session, config)
        session.commit()
    click.echo(f"demo data loaded; editors' password: {demo_data.DEMO_PASSWORD}")


@cli.group()
def user() -> None:
    """Editors."""


@user.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="display name")
@click.option("--password", default=None, help="asked for when not given")
@click.option("--grant", "grants", multiple=True, metavar="ROLE@ACCOUNT",
              help="e.g. author@dg-humen; repeatable")
def user_create(username, display_name, password, grants) -> None:
    """Create an editor, optionally with role grants."""
    from hub.accounts.services import get_account
    from hub.errors import HubError
    from hub.users.services import create_user, grant_role

    password = password or getpass.getpass("密码: ")
    sessions = cli_support.sessions()
    with sessions() as session:
        try:
            new_user = create_user(session, username, password, display_name)
            for spec in grants:
                role, _, code = spec.partition("@")
                if role not in ("author", "reviewer", "admin") or not code:
                    raise click.BadParameter(f"{spec}: expected ROLE@ACCOUNT", param_hint="--grant")
                grant_role(session, new_user, get_account(session, code), role)
            session.commit()
        except HubError as exc:
            _fail(exc)
    click.echo(f"user {username} created")


@cli.group()
def token() -> None:
    """Editors' API tokens."""


@token.command("issue")
@click.option("--user", "username", required=True)
@click.option("--label", default="cli")
def token_issue(username: str, label: str) -> None:
    """Print a new bearer token for USER."""
    from hub.errors import HubError
    from hub.users.services import get_user, issue_token

    sessions = cli_support.sessions()
    with sessions() as session:
        try:
            value = issue_token(session, get_user(session, username), label)
            session.commit()
        except HubError as exc:
            _fail(exc)
    click.echo(value)


@token.command("revoke")
@click.option("--user", "username", required=True)
@click.argument("token_id", type=int)
def token_revoke(username: str, token_id: int) -> None:
    """Revoke one of USER's tokens by its id."""
    from hub.errors import HubError
    from hub.users.services import get_user, revoke_token

    sessions = cli_support.sessions()
    with sessions() as session:
        try:
            owner = get_user(session, username)
            revoke_token(session, owner, token_id, actor=owner)
            session.commit()
        except HubError as exc:
            _fail(exc)
    click.echo(f"token {token_id} revoked")
