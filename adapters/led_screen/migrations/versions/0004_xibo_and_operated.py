"""led_screen: Xibo players (XMDS) waiting for approval or approved as a screen; operated screens' slots

A player that registers with the hub's CMS key is kept by its hardware key: waiting until an
admin approves it as a screen of an account (or refuses it). Its last report, its last
screenshot (a blob) and when it was last seen stay on the row for the console. A screen rented
from an advertising operator gets its slot (operator, contact, seconds per loop, loops per
hour, dates, daily hours).

Revision ID: led_screen_0004
Revises: led_screen_0003
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.ports

revision = 'led_screen_0004'
down_revision = 'led_screen_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('led_xibo_displays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hardware_key', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('client_type', sa.String(length=40), nullable=False),
    sa.Column('client_version', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=True),
    sa.Column('reported_width', sa.Integer(), nullable=True),
    sa.Column('reported_height', sa.Integer(), nullable=True),
    sa.Column('status', sa.JSON(), nullable=False),
    sa.Column('screenshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('screenshot_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('last_seen_at', hub.ports.UTCDateTime(), nullable=True),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_xibo_displays_screen_id_led_screens'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['screenshot_sha256'], ['blobs.sha256'], name=op.f('fk_led_xibo_displays_screenshot_sha256_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_xibo_displays')),
    sa.UniqueConstraint('hardware_key', name=op.f('uq_led_xibo_displays_hardware_key')),
    sa.UniqueConstraint('screen_id', name=op.f('uq_led_xibo_displays_screen_id'))
    )
    op.create_table('led_operated_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('operator', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('seconds_per_loop', sa.Integer(), nullable=False),
    sa.Column('loops_per_hour', sa.Integer(), nullable=False),
    sa.Column('from_date', sa.String(length=10), nullable=False),
    sa.Column('to_date', sa.String(length=10), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('created_at', hub.ports.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['screen_id'], ['led_screens.id'], name=op.f('fk_led_operated_slots_screen_id_led_screens'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_led_operated_slots')),
    sa.UniqueConstraint('screen_id', name=op.f('uq_led_operated_slots_screen_id'))
    )


def downgrade() -> None:
    op.drop_table('led_operated_slots')
    op.drop_table('led_xibo_displays')
